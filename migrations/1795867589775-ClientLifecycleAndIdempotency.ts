import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin API: client lifecycle columns (version for ETag/If-Match, MFA policy, secret rotation
 * time, tombstone of deleted clients) and the Idempotency-Key records of admin creates.
 */
export class ClientLifecycleAndIdempotency1795867589775 implements MigrationInterface {
  name = 'ClientLifecycleAndIdempotency1795867589775';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients ADD COLUMN version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE clients ADD COLUMN mfa_policy text NOT NULL DEFAULT 'required'`);
    await q.query(`ALTER TABLE clients ADD COLUMN secret_updated_at timestamptz`);
    await q.query(`ALTER TABLE clients ADD COLUMN deleted_at timestamptz`);
    await q.query(`UPDATE clients SET secret_updated_at = created_at WHERE secret_hash IS NOT NULL`);
    await q.query(`ALTER TABLE clients ADD CONSTRAINT clients_mfa_policy_check CHECK (mfa_policy IN ('required', 'optional'))`);
    await q.query(
      `ALTER TABLE clients ADD CONSTRAINT clients_deleted_is_disabled CHECK (deleted_at IS NULL OR (NOT enabled AND secret_hash IS NULL))`,
    );
    await q.query(`CREATE INDEX clients_listing_idx ON clients (created_at, client_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE admin_idempotency_records (
        principal text NOT NULL,
        idempotency_key text NOT NULL,
        fingerprint text NOT NULL,
        sealed_response text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (principal, idempotency_key)
      )`);
    await q.query(`CREATE INDEX admin_idempotency_records_expires_at_idx ON admin_idempotency_records (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE admin_idempotency_records`);
    await q.query(`DROP INDEX clients_listing_idx`);
    await q.query(`ALTER TABLE clients DROP CONSTRAINT clients_deleted_is_disabled`);
    await q.query(`ALTER TABLE clients DROP CONSTRAINT clients_mfa_policy_check`);
    await q.query(`ALTER TABLE clients DROP COLUMN deleted_at`);
    await q.query(`ALTER TABLE clients DROP COLUMN secret_updated_at`);
    await q.query(`ALTER TABLE clients DROP COLUMN mfa_policy`);
    await q.query(`ALTER TABLE clients DROP COLUMN version`);
  }
}
