import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, password credentials, and the sign-in throttle (per account identifier and per IP). */
export class IdentityAndSignIn1764331300000 implements MigrationInterface {
  name = 'IdentityAndSignIn1764331300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        email_verified boolean NOT NULL DEFAULT false,
        given_name text,
        family_name text,
        status text NOT NULL DEFAULT 'active',
        roles text[] NOT NULL DEFAULT '{}',
        locked_until timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled', 'locked'))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`
      CREATE TABLE password_credentials (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        hash text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        window_started_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_throttle`);
    await q.query(`DROP TABLE password_credentials`);
    await q.query(`DROP TABLE users`);
  }
}
