import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sign-in state row says where the sign-in stands and what it has proven (#16): `stage`,
 * the stage the dispatcher last found it at (next() in src/auth/flow), and `proven`, the
 * factors proven in this interaction (never what the user merely has on file, and never an
 * upstream's untrusted amr). Rows live minutes; the few open ones keep their first factors.
 */
export class SignInState1796299839506 implements MigrationInterface {
  name = 'SignInState1796299839506';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress ADD COLUMN stage text NOT NULL DEFAULT 'identify', ADD COLUMN proven text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `UPDATE sign_in_progress SET proven = ARRAY(SELECT f FROM unnest(amr) f WHERE f IN ('pwd', 'fed', 'emergency')
         OR (factor_enrolled AND f IN ('otp', 'hwk', 'swk')))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress DROP COLUMN proven, DROP COLUMN stage`);
  }
}
