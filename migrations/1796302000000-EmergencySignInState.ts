import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An emergency (break-glass) sign-in between its password and its own factor is a stage of the
 * one sign-in state row (#16): the row carries the typed reason and the factor asked for, and
 * its attempt counter and WebAuthn challenge are the row's own. The separate sub-state table
 * breakglass_attempts goes; its rows lived minutes, and an open one is simply started again.
 */
export class EmergencySignInState1796302000000 implements MigrationInterface {
  name = 'EmergencySignInState1796302000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sign_in_progress ADD COLUMN emergency_justification text, ADD COLUMN emergency_factor text`);
    await q.query(`DROP TABLE breakglass_attempts`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE breakglass_attempts (
        interaction_uid text PRIMARY KEY,
        user_id text NOT NULL,
        justification text NOT NULL,
        factor text NOT NULL,
        challenge text,
        failures integer NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`DELETE FROM sign_in_progress WHERE emergency_factor IS NOT NULL`);
    await q.query(`ALTER TABLE sign_in_progress DROP COLUMN emergency_factor, DROP COLUMN emergency_justification`);
  }
}
