import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing key lifecycle (issue #5): a `removed` state (retired keys leave the JWKS once every
 * token they signed has expired; the row stays for audit), the retention deadline, revocation
 * reason, where a key came from, a requested early rotation, at most one `next` key per
 * algorithm, and the cluster-wide rotation schedule set through the admin API.
 */
export class KeyLifecycle1795867438413 implements MigrationInterface {
  name = 'KeyLifecycle1795867438413';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_state_check`);
    await q.query(`
      ALTER TABLE signing_keys
        ADD CONSTRAINT signing_keys_state_check CHECK (state IN ('next', 'active', 'retired', 'removed', 'revoked')),
        ADD COLUMN source text NOT NULL DEFAULT 'generated',
        ADD COLUMN publish_until timestamptz,
        ADD COLUMN removed_at timestamptz,
        ADD COLUMN revocation_reason text,
        ADD COLUMN rotation_requested_at timestamptz,
        ADD CONSTRAINT signing_keys_source_check CHECK (source IN ('generated', 'imported'))`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_next_per_alg ON signing_keys (alg) WHERE state = 'next'`);

    await q.query(`
      CREATE TABLE key_rotation_schedule (
        id smallint PRIMARY KEY,
        rotation_interval_seconds integer NOT NULL,
        prepublication_window_seconds integer NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        version integer NOT NULL,
        CONSTRAINT key_rotation_schedule_singleton CHECK (id = 1),
        CONSTRAINT key_rotation_schedule_window CHECK (prepublication_window_seconds < rotation_interval_seconds)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE key_rotation_schedule`);
    await q.query(`DROP INDEX signing_keys_one_next_per_alg`);
    await q.query(`UPDATE signing_keys SET state = 'retired' WHERE state = 'removed'`);
    await q.query(`
      ALTER TABLE signing_keys
        DROP CONSTRAINT signing_keys_source_check,
        DROP COLUMN rotation_requested_at,
        DROP COLUMN revocation_reason,
        DROP COLUMN removed_at,
        DROP COLUMN publish_until,
        DROP COLUMN source,
        DROP CONSTRAINT signing_keys_state_check,
        ADD CONSTRAINT signing_keys_state_check CHECK (state IN ('next', 'active', 'retired', 'revoked'))`);
  }
}
