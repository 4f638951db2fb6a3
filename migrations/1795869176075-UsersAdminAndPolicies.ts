import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users admin API and runtime policies: the single-use password setup tokens (invitations and
 * reset links, stored as SHA-256 hashes only), the tombstone of deleted (anonymised) users, a
 * keyset index for the user listing, and the
 * one-row table of policies an administrator may change at run time.
 */
export class UsersAdminAndPolicies1795869176075 implements MigrationInterface {
  name = 'UsersAdminAndPolicies1795869176075';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE password_setup_tokens (
        token_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT password_setup_tokens_purpose_check CHECK (purpose IN ('invitation', 'reset'))
      )`);
    await q.query(`CREATE INDEX password_setup_tokens_user_idx ON password_setup_tokens (user_id)`);
    await q.query(`ALTER TABLE users ADD COLUMN deleted_at timestamptz`);
    await q.query(`CREATE INDEX users_listing_idx ON users (created_at, id)`);
    await q.query(`
      CREATE TABLE runtime_policies (
        id smallint PRIMARY KEY,
        document jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL,
        CONSTRAINT runtime_policies_single_row CHECK (id = 1)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runtime_policies`);
    await q.query(`DROP INDEX users_listing_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN deleted_at`);
    await q.query(`DROP TABLE password_setup_tokens`);
  }
}
