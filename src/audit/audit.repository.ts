import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DATABASE, GroupCommit, isDatabaseUnavailable, lockKey, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { filterSql, type AuditFilter } from './audit-filter.js';
import { AuditError, AuditErrorCode } from './audit.errors.js';
import { GENESIS_HASH, RECORD_VERSION, sealRecord, type AuditContent, type AuditRecord } from './chain/audit-record.js';

export type CheckpointKind = 'periodic' | 'on_demand' | 'tombstone';

export interface StoredCheckpoint {
  id: string;
  kind: CheckpointKind;
  seq: number;
  hash: string;
  createdAt: Date;
  kid: string;
  jws: string;
  purgedFromSeq: number | null;
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

/** Serialises appends across connections and instances; held until the transaction ends. */
const CHAIN_LOCK = lockKey('caduceus:audit-chain');
/** The lock key is a number computed here, so it is inlined: the statement can then share a simple query with BEGIN. */
const LOCK_SQL = `SELECT pg_advisory_xact_lock(${BigInt(CHAIN_LOCK)}::bigint)`;
const HEAD_SQL = `SELECT (SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1) AS head_seq,
       (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS head_hash,
       (SELECT seq FROM audit_checkpoints WHERE kind = 'tombstone' ORDER BY seq DESC LIMIT 1) AS tomb_seq,
       (SELECT hash FROM audit_checkpoints WHERE kind = 'tombstone' ORDER BY seq DESC LIMIT 1) AS tomb_hash,
       date_trunc('milliseconds', clock_timestamp()) AS now`;
/** Records per group commit: 17 parameters each, far below PostgreSQL's 65,535. */
const MAX_BATCH = 200;
const RECORD_PARAMS = 17;

const RECORD_COLUMNS = `seq, prev_hash, hash, recorded_at, occurred_at, event_type, outcome, actor_type, actor_id,
  subject_type, subject_id, client_id, ip, user_agent, session_id, correlation_id, details`;
const CHECKPOINT_COLUMNS = `id, kind, seq, hash, created_at, kid, jws, purged_from_seq`;

/**
 * The audit tables. Plain SQL: appends are the hottest write in the service and every query
 * here is keyset-paginated on seq. Rows are only ever inserted; the one removal is the
 * audit_purge_prefix() database function.
 */
@Injectable()
export class AuditRepository {
  private readonly group: GroupCommit<AuditContent, AuditRecord>;

  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {
    this.group = new GroupCommit((batch) => this.writeBatch(batch), {
      maxBatch: MAX_BATCH,
      // Lost connection, server shutting down, out of resources, pool exhausted: every record of the
      // batch would fail the same way. Anything else may be one record's fault, so each is retried alone.
      failsEveryItem: (err) => isDatabaseUnavailable(err),
    });
  }

  /**
   * Appends one record at the head of the chain. With tx, the record is written inside that
   * transaction (it then commits with the caller's change). Without one, it joins the next
   * group commit: the promise resolves only once the transaction holding it has committed, so
   * durability is the same as a transaction per record, at a fraction of the round trips.
   */
  async append(content: AuditContent, tx?: Transaction): Promise<AuditRecord> {
    try {
      return tx ? await this.appendWith(managerFor(this.db, tx), content) : await this.group.add(content);
    } catch (cause) {
      throw writeFailed(content, cause);
    }
  }

  /**
   * In-transaction append. Invariant: the head is read only after the chain lock is held, in a
   * separate statement (a statement's snapshot is taken when it starts, so a read in the
   * locking statement could see a head that a concurrent append has already moved past).
   */
  private async appendWith(manager: EntityManager, content: AuditContent): Promise<AuditRecord> {
    await manager.query(LOCK_SQL);
    const [state] = await manager.query(HEAD_SQL);
    const [record] = sealAfter(chainHead(state), state.now as Date, [content]);
    await manager.query(insertSql(1), recordParams(record!));
    return record!;
  }

  /**
   * One group commit: a transaction of its own, three round trips whatever the batch size
   * (BEGIN + lock + head read sent as one simple query, whose statements each take their own
   * snapshot, so the head is read after the lock is granted; one multi-row INSERT; COMMIT).
   */
  private async writeBatch(contents: AuditContent[]): Promise<AuditRecord[]> {
    const client: PgClient = await this.pool().connect();
    let broken: unknown;
    try {
      const results = (await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED; ${LOCK_SQL}; ${HEAD_SQL}`)) as unknown as PgResult[];
      const state = results[2]!.rows[0] as HeadState & { now: Date };
      const records = sealAfter(chainHead(state), state.now as Date, contents);
      await client.query(insertSql(records.length), records.flatMap(recordParams));
      await client.query('COMMIT');
      return records;
    } catch (err) {
      // A lost or timed-out connection is discarded as it is (a ROLLBACK would only wait for the
      // same failure; the server rolls back when the session ends). Otherwise roll back, and
      // discard the connection if even that fails.
      broken = isDatabaseUnavailable(err)
        ? err
        : await client.query('ROLLBACK').then(
            () => undefined,
            (rollbackErr: unknown) => rollbackErr,
          );
      throw err;
    } finally {
      client.release(broken as Error | undefined);
    }
  }

  private pool(): PgPool {
    return (this.db.dataSource.driver as unknown as { master: PgPool }).master;
  }

  /** Waits for the records already handed in to be committed (or to fail): before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.group.drain();
  }

  /** The newest record's seq and hash, or null for an empty table. */
  async head(): Promise<ChainPoint | null> {
    const [row] = await this.db.dataSource.query(`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`);
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  async firstSeq(): Promise<number | null> {
    const [row] = await this.db.dataSource.query(`SELECT min(seq) AS seq FROM audit_events`);
    return row?.seq == null ? null : Number(row.seq);
  }

  async findRecord(seq: number): Promise<AuditRecord | null> {
    const [row] = await this.db.dataSource.query(`SELECT ${RECORD_COLUMNS} FROM audit_events WHERE seq = $1`, [seq]);
    return row ? toRecord(row) : null;
  }

  /** One page of matching records, newest first or oldest first, after the cursor's seq. */
  async search(filter: AuditFilter, opts: { limit: number; afterSeq?: number; order: 'asc' | 'desc' }): Promise<AuditRecord[]> {
    const { where, params } = filterSql(filter);
    const clauses = [where];
    if (opts.afterSeq !== undefined) {
      params.push(opts.afterSeq);
      clauses.push(`seq ${opts.order === 'asc' ? '>' : '<'} $${params.length}`);
    }
    params.push(opts.limit);
    const rows = await this.db.dataSource.query(
      `SELECT ${RECORD_COLUMNS} FROM audit_events WHERE ${clauses.join(' AND ')}
       ORDER BY seq ${opts.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  /** Every matching record in seq order, fetched in batches (exports and verification stream through this). */
  async *scan(filter: AuditFilter, batchSize = 500): AsyncGenerator<AuditRecord> {
    let after: number | undefined;
    for (;;) {
      const batch = await this.search(filter, { limit: batchSize, afterSeq: after, order: 'asc' });
      for (const record of batch) yield record;
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1]!.seq;
    }
  }

  /** The last seq of the prefix recorded before `cutoff` (the records a purge may remove), or null. */
  async lastSeqRecordedBefore(cutoff: Date): Promise<number | null> {
    const [row] = await this.db.dataSource.query(
      `SELECT CASE
                WHEN NOT EXISTS (SELECT 1 FROM audit_events) THEN NULL
                WHEN EXISTS (SELECT 1 FROM audit_events WHERE recorded_at >= $1)
                  THEN (SELECT min(seq) FROM audit_events WHERE recorded_at >= $1) - 1
                ELSE (SELECT max(seq) FROM audit_events)
              END AS through_seq,
              (SELECT min(seq) FROM audit_events) AS first_seq`,
      [cutoff],
    );
    if (row?.through_seq == null) return null;
    const through = Number(row.through_seq);
    return through >= Number(row.first_seq) ? through : null;
  }

  /** Removes records 1..throughSeq through the database's purge function (tombstone required). */
  async purgeThrough(throughSeq: number, tx: Transaction): Promise<number> {
    const [row] = await managerFor(this.db, tx).query(`SELECT audit_purge_prefix($1::bigint) AS purged`, [throughSeq]);
    return Number(row.purged);
  }

  async insertCheckpoint(checkpoint: StoredCheckpoint, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO audit_checkpoints (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        checkpoint.id,
        checkpoint.kind,
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.createdAt,
        checkpoint.kid,
        checkpoint.jws,
        checkpoint.purgedFromSeq,
      ],
    );
  }

  async findCheckpoint(id: string): Promise<StoredCheckpoint | null> {
    const [row] = await this.db.dataSource.query(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE id = $1`, [id]);
    return row ? toCheckpoint(row) : null;
  }

  async latestCheckpoint(kinds: CheckpointKind[]): Promise<StoredCheckpoint | null> {
    const [row] = await this.db.dataSource.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE kind = ANY($1) ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [kinds],
    );
    return row ? toCheckpoint(row) : null;
  }

  /** Newest first, keyset on (created_at, id). */
  async listCheckpoints(opts: { limit: number; before?: { createdAt: Date; id: string } }): Promise<StoredCheckpoint[]> {
    const params: unknown[] = [];
    let where = 'true';
    if (opts.before) {
      params.push(opts.before.createdAt, opts.before.id);
      where = `(created_at, id) < ($1, $2)`;
    }
    params.push(opts.limit);
    const rows = await this.db.dataSource.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toCheckpoint);
  }

  /** Every checkpoint with seq >= fromSeq (the ones a walk from there can check). */
  async checkpointsFrom(fromSeq: number): Promise<StoredCheckpoint[]> {
    const rows = await this.db.dataSource.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq >= $1 ORDER BY seq, created_at`,
      [fromSeq],
    );
    return rows.map(toCheckpoint);
  }
}

type PgResult = { rows: Array<Record<string, any>> };
interface PgClient {
  query(text: string, params?: unknown[]): Promise<PgResult>;
  release(err?: Error): void;
}
interface PgPool {
  connect(): Promise<PgClient>;
}

function writeFailed(content: AuditContent, cause: unknown): AuditError {
  return new AuditError(AuditErrorCode.WRITE_FAILED, `the audit record of ${content.eventType} could not be written`, { cause });
}

/** Seals contents as the records following previous, in order. */
function sealAfter(previous: ChainPoint, now: Date, contents: AuditContent[]): AuditRecord[] {
  const recordedAt = now.toISOString();
  let prev = previous;
  return contents.map((content) => {
    const record = sealRecord({ v: RECORD_VERSION, seq: prev.seq + 1, prevHash: prev.hash, recordedAt, ...content });
    prev = { seq: record.seq, hash: record.hash };
    return record;
  });
}

function insertSql(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, r) => {
    const base = r * RECORD_PARAMS;
    return `(${Array.from({ length: RECORD_PARAMS }, (_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  return `INSERT INTO audit_events (${RECORD_COLUMNS}) VALUES ${tuples.join(', ')}`;
}

function recordParams(record: AuditRecord): unknown[] {
  return [
    record.seq,
    record.prevHash,
    record.hash,
    record.recordedAt,
    record.occurredAt,
    record.eventType,
    record.outcome,
    record.actor.type,
    record.actor.id,
    record.subject?.type ?? null,
    record.subject?.id ?? null,
    record.clientId,
    record.ip,
    record.userAgent,
    record.sessionId,
    record.correlationId,
    JSON.stringify(record.details),
  ];
}

interface HeadState {
  head_seq: string | null;
  head_hash: string | null;
  tomb_seq: string | null;
  tomb_hash: string | null;
}

/** The record the next append follows: the newest row, else the newest tombstone (all purged), else genesis. */
function chainHead(state: HeadState): ChainPoint {
  const head = state.head_seq != null ? { seq: Number(state.head_seq), hash: state.head_hash! } : null;
  const tomb = state.tomb_seq != null ? { seq: Number(state.tomb_seq), hash: state.tomb_hash! } : null;
  if (head && (!tomb || head.seq > tomb.seq)) return head;
  return tomb ?? { seq: 0, hash: GENESIS_HASH };
}

function toRecord(row: Record<string, any>): AuditRecord {
  return {
    v: RECORD_VERSION,
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    recordedAt: (row.recorded_at as Date).toISOString(),
    occurredAt: (row.occurred_at as Date).toISOString(),
    eventType: row.event_type,
    outcome: row.outcome,
    actor: { type: row.actor_type, id: row.actor_id },
    subject: row.subject_type !== null || row.subject_id !== null ? { type: row.subject_type ?? '', id: row.subject_id ?? '' } : null,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    sessionId: row.session_id,
    correlationId: row.correlation_id,
    details: row.details,
    hash: row.hash,
  };
}

function toCheckpoint(row: Record<string, any>): StoredCheckpoint {
  return {
    id: row.id,
    kind: row.kind,
    seq: Number(row.seq),
    hash: row.hash,
    createdAt: row.created_at,
    kid: row.kid,
    jws: row.jws,
    purgedFromSeq: row.purged_from_seq == null ? null : Number(row.purged_from_seq),
  };
}
