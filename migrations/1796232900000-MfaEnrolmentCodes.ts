import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MFA_ENROLMENT=invite-only: one-time enrolment codes an administrator issues (stored hashed,
 * one live code per user), and whether a sign-in presented one (#16).
 */
export class MfaEnrolmentCodes1796232900000 implements MigrationInterface {
  name = 'MfaEnrolmentCodes1796232900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_enrolment_codes (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        issued_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`ALTER TABLE sign_in_progress ADD COLUMN enrolment_allowed boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress DROP COLUMN enrolment_allowed`);
    await q.query(`DROP TABLE mfa_enrolment_codes`);
  }
}
