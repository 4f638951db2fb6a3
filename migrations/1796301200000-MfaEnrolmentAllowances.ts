import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MFA_ENROLMENT=invite-only: the single-use allowance to enrol a first second factor that a
 * person earns by setting their password through an invitation or reset link (#16 item 7).
 */
export class MfaEnrolmentAllowances1796301200000 implements MigrationInterface {
  name = 'MfaEnrolmentAllowances1796301200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mfa_enrolment_allowances (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mfa_enrolment_allowances`);
  }
}
