import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: an append-only, hash-chained audit_events table and its signed checkpoints.
 * A trigger refuses UPDATE, DELETE and TRUNCATE on both tables for every role; the one way to
 * remove records is audit_purge_prefix(), which deletes a whole prefix of the chain and only
 * once a signed tombstone checkpoint for its last record exists. Grant the application role
 * INSERT and SELECT on the tables and EXECUTE on that function, nothing more (README).
 */
export class AuditTrail1795867636015 implements MigrationInterface {
  name = 'AuditTrail1795867636015';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        recorded_at timestamptz NOT NULL,
        occurred_at timestamptz NOT NULL,
        event_type text NOT NULL,
        outcome text NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        subject_type text,
        subject_id text,
        client_id text,
        ip text,
        user_agent text,
        session_id text,
        correlation_id text NOT NULL,
        details jsonb NOT NULL,
        CONSTRAINT audit_events_seq_positive CHECK (seq > 0),
        CONSTRAINT audit_events_outcome_check CHECK (outcome IN ('success', 'failure')),
        CONSTRAINT audit_events_hash_format CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at)`);
    await q.query(`CREATE INDEX audit_events_recorded_at_idx ON audit_events (recorded_at)`);
    await q.query(`CREATE INDEX audit_events_event_type_idx ON audit_events (event_type, seq)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, seq)`);
    await q.query(`CREATE INDEX audit_events_client_idx ON audit_events (client_id, seq)`);
    await q.query(`CREATE INDEX audit_events_ip_idx ON audit_events (ip, seq)`);

    await q.query(`
      CREATE TABLE audit_checkpoints (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        created_at timestamptz NOT NULL,
        kid text NOT NULL,
        jws text NOT NULL,
        purged_from_seq bigint,
        CONSTRAINT audit_checkpoints_kind_check CHECK (kind IN ('periodic', 'on_demand', 'tombstone')),
        CONSTRAINT audit_checkpoints_hash_format CHECK (hash ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq, created_at)`);

    // Refuses every change but the purge, which sets a transaction-local flag inside the
    // SECURITY DEFINER function below. A role with DELETE privilege could set the flag itself:
    // that is why the application role must not hold DELETE on these tables.
    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
           AND current_setting('caduceus.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const table of ['audit_events', 'audit_checkpoints']) {
      await q.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
      );
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }

    // The one removal path: a whole prefix of the chain (every seq <= through_seq), only after
    // a tombstone checkpoint naming that record's hash was written, so verification still
    // anchors on the tombstone afterwards.
    await q.query(`
      CREATE FUNCTION audit_purge_prefix(through_seq bigint) RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        purged bigint;
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM audit_checkpoints c JOIN audit_events e ON e.seq = c.seq AND e.hash = c.hash
          WHERE c.kind = 'tombstone' AND c.seq = through_seq
        ) THEN
          RAISE EXCEPTION 'purging through record % needs a tombstone checkpoint of that record', through_seq
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM set_config('caduceus.audit_purge', 'on', true);
        DELETE FROM audit_events WHERE seq <= through_seq;
        GET DIAGNOSTICS purged = ROW_COUNT;
        PERFORM set_config('caduceus.audit_purge', 'off', true);
        RETURN purged;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_purge_prefix(bigint)`);
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_refuse_change()`);
  }
}
