import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions become editable (#20): each carries a version, bumped on every change,
 * which is its ETag; an update names the version it read in If-Match (compare-and-swap).
 */
export class WebhookVersions1796303600000 implements MigrationInterface {
  name = 'WebhookVersions1796303600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_subscriptions ADD COLUMN version integer NOT NULL DEFAULT 1, ADD COLUMN updated_at timestamptz`);
    await q.query(`UPDATE webhook_subscriptions SET updated_at = created_at`);
    await q.query(`ALTER TABLE webhook_subscriptions ALTER COLUMN updated_at SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_subscriptions DROP COLUMN version, DROP COLUMN updated_at`);
  }
}
