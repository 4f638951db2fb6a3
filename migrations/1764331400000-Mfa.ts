import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Second factors (TOTP, WebAuthn), recovery codes, and the state of a sign-in between its steps. */
export class Mfa1764331400000 implements MigrationInterface {
  name = 'Mfa1764331400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_factors (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        type text NOT NULL,
        label text NOT NULL,
        confirmed boolean NOT NULL DEFAULT false,
        sealed_secret text,
        last_step bigint,
        credential_id text,
        public_key text,
        sign_count bigint,
        transports text[],
        device_type text,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        CONSTRAINT mfa_factors_type_check CHECK (type IN ('totp', 'webauthn'))
      )`);
    await q.query(`CREATE INDEX mfa_factors_user_idx ON mfa_factors (user_id)`);
    await q.query(`CREATE UNIQUE INDEX mfa_factors_credential_id_key ON mfa_factors (credential_id) WHERE credential_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE mfa_recovery_codes (
        code_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        used_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id)`);
    await q.query(`
      CREATE TABLE sign_in_progress (
        interaction_uid text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        amr text[] NOT NULL,
        mfa_failures integer NOT NULL DEFAULT 0,
        webauthn_challenge text,
        enrolment_factor_id uuid,
        recovery_codes_shown boolean NOT NULL DEFAULT false,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sign_in_progress_expires_idx ON sign_in_progress (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_progress`);
    await q.query(`DROP TABLE mfa_recovery_codes`);
    await q.query(`DROP TABLE mfa_factors`);
  }
}
