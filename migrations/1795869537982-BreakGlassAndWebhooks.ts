import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Emergency (break-glass) sessions and their review, security-event webhook subscriptions and deliveries. */
export class BreakGlassAndWebhooks1795869537982 implements MigrationInterface {
  name = 'BreakGlassAndWebhooks1795869537982';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE breakglass_sessions (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        email text NOT NULL,
        justification text NOT NULL,
        factor text NOT NULL,
        login_ts bigint NOT NULL,
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        tokens_issued integer NOT NULL DEFAULT 0,
        reviewed_at timestamptz,
        reviewed_by text,
        review_note text
      )`);
    await q.query(`CREATE INDEX breakglass_sessions_user_login ON breakglass_sessions (user_id, login_ts)`);
    await q.query(`CREATE INDEX breakglass_sessions_unreviewed ON breakglass_sessions (started_at) WHERE reviewed_at IS NULL`);
    // An emergency sign-in between its password and its second factor (one row per interaction).
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
    // Failed emergency sign-ins per account (lower-cased email) in the current window: the break-glass path has its own brute-force limit.
    await q.query(`
      CREATE TABLE breakglass_failures (
        account_key text PRIMARY KEY,
        failures integer NOT NULL,
        window_start timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        event_types text[] NOT NULL,
        sealed_secret text NOT NULL,
        description text,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        event_id text NOT NULL,
        event_name text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        UNIQUE (subscription_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_subscriptions`);
    await q.query(`DROP TABLE breakglass_failures`);
    await q.query(`DROP TABLE breakglass_attempts`);
    await q.query(`DROP TABLE breakglass_sessions`);
  }
}
