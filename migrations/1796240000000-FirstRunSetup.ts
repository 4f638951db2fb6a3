import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * First run (#20): the one live setup link that creates the first super-admin, stored only as
 * a hash. One row at most: a new link replaces (voids) the previous one. And audit records by
 * correlation id, the reference code error pages show; and the account console's failed step-ups.
 */
export class FirstRunSetup1796240000000 implements MigrationInterface {
  name = 'FirstRunSetup1796240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE first_run_setup (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        claimed_by uuid REFERENCES users (id) ON DELETE CASCADE,
        completed_at timestamptz
      )`);
    // Account console step-up (#20): wrong second factors per person, so guessing is bounded across instances.
    await q.query(`
      CREATE TABLE account_step_up_failures (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        failed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX account_step_up_failures_user_idx ON account_step_up_failures (user_id, failed_at)`);
    // An error page's reference code is the request id: the help desk finds its audit records by it.
    await q.query(`CREATE INDEX audit_events_correlation_idx ON audit_events (correlation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_correlation_idx`);
    await q.query(`DROP TABLE account_step_up_failures`);
    await q.query(`DROP TABLE first_run_setup`);
  }
}
