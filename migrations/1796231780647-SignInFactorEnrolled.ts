import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a factor was enrolled and proven in this sign-in: only then may the recovery-codes
 * page show (and replace) the user's recovery codes (#16).
 */
export class SignInFactorEnrolled1796231780647 implements MigrationInterface {
  name = 'SignInFactorEnrolled1796231780647';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress ADD COLUMN factor_enrolled boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress DROP COLUMN factor_enrolled`);
  }
}
