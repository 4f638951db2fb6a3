import { Inject, Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { currentRequestScope, type RequestScope } from '../events/index.js';

export type ArtifactPayload = Record<string, unknown> & { consumed?: number };

const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > now())';

/**
 * Models read several times by one request: an interaction page's CSRF guard, the page itself
 * and interactionResult each load the interaction and, once signed in, its session by uid.
 * Tokens and codes are never remembered: their consumption must be read from the database.
 */
const REMEMBERED_MODELS: ReadonlySet<string> = new Set(['Interaction', 'Session', 'Grant']);

/**
 * Storage of oidc-provider artifacts. Plain parameterised SQL: these are the hottest queries
 * in the service and each is a single indexed statement. Expired rows are invisible at once
 * and deleted later by the cleanup job.
 */
@Injectable()
export class OidcArtifactRepository {
  /**
   * Finds by (model, id) issued in the same tick go to the database as one statement: the
   * introspection endpoint looks a token up as an access token, client-credentials token and
   * refresh token at once, and concurrent requests' lookups join the same round trip.
   * Batching only, no cache: every find reads the database after everything awaited before it.
   */
  private readonly byId = new DataLoader<ArtifactKey, Found | undefined>((keys) => this.findMany(keys), {
    cache: false,
    maxBatchSize: 500,
  });

  /**
   * What this request has already read of REMEMBERED_MODELS (as the JSON the database gave, so
   * each find gets its own copy). Rules: kept only for the request that read it (its request
   * scope, gone with it) and forgotten, whole, at the first write this request makes through
   * this repository: a later find of the same request then reads the database again. Another
   * request's change made while this one runs is seen by its next request, as when both reads
   * had happened at the first read's instant.
   */
  private readonly remembered = new WeakMap<RequestScope, Map<string, string | undefined>>();

  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private memo(): Map<string, string | undefined> | undefined {
    const scope = currentRequestScope();
    if (!scope) return undefined;
    let memo = this.remembered.get(scope);
    if (!memo) this.remembered.set(scope, (memo = new Map()));
    return memo;
  }

  private forget(): void {
    const scope = currentRequestScope();
    if (scope) this.remembered.delete(scope);
  }

  private async rememberedRead(model: string, key: string, read: () => Promise<ArtifactPayload | undefined>): Promise<ArtifactPayload | undefined> {
    const memo = REMEMBERED_MODELS.has(model) ? this.memo() : undefined;
    if (!memo) return read();
    if (memo.has(key)) {
      const json = memo.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as ArtifactPayload);
    }
    const found = await read();
    // A write of this request that finished while the read was in flight has forgotten the memo.
    const current = this.memo();
    if (current === memo) memo.set(key, found === undefined ? undefined : JSON.stringify(found));
    return found;
  }

  async upsert(model: string, id: string, payload: ArtifactPayload, expiresInSeconds: number | undefined): Promise<void> {
    this.forget();
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null;
    await this.query(
      `INSERT INTO oidc_artifacts (model, id, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, id) DO UPDATE
         SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
             uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [model, id, JSON.stringify(payload), str(payload.grantId), str(payload.userCode), str(payload.uid), expiresAt],
    );
    this.forget();
  }

  /**
   * Writes an artifact that already exists, never creating it: true when it was there. For a
   * request writing back what it read, so that what another request ended meanwhile stays ended.
   */
  async update(model: string, id: string, payload: ArtifactPayload, expiresInSeconds: number | undefined): Promise<boolean> {
    this.forget();
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null;
    const rows = await this.query<{ one: number }>(
      `UPDATE oidc_artifacts SET payload = $3, grant_id = $4, user_code = $5, uid = $6, expires_at = $7
        WHERE model = $1 AND id = $2 RETURNING 1 AS one`,
      [model, id, JSON.stringify(payload), str(payload.grantId), str(payload.userCode), str(payload.uid), expiresAt],
    );
    this.forget();
    return rows.length > 0;
  }

  async find(model: string, id: string): Promise<ArtifactPayload | undefined> {
    if (!storable(id)) return undefined;
    return this.rememberedRead(model, `id\u0000${model}\u0000${id}`, async () => {
      const memo = this.memo();
      const found = await this.byId.load({ model, id });
      // The refresh grant reads the token's grant next: it came in the same statement.
      const grantId = found?.payload.grantId;
      if (found?.grant && memo && typeof grantId === 'string' && this.memo() === memo) {
        const key = `id\u0000Grant\u0000${grantId}`;
        if (!memo.has(key)) memo.set(key, JSON.stringify(found.grant));
      }
      return found?.payload;
    });
  }

  private async findMany(keys: readonly ArtifactKey[]): Promise<Array<Found | undefined | Error>> {
    try {
      return await this.findTogether(keys);
    } catch (err) {
      if (keys.length === 1) throw err;
      // Should one key make the shared statement fail, the others must not fail with it.
      return Promise.all(keys.map((k) => this.findTogether([k]).then(([f]) => f, (e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    }
  }

  /**
   * Both columns of the primary key as arrays: an index scan over their product; the pairs
   * that were not asked for (an id of one model looked up as another) are dropped below. A
   * refresh token comes with its grant (the refresh grant reads it next), by the grant's key.
   */
  private async findTogether(keys: readonly ArtifactKey[]): Promise<Array<Found | undefined>> {
    const rows = await this.query<ArtifactRow & { model: string; id: string; grant_payload: ArtifactPayload | null; grant_consumed_at: Date | null }>(
      `SELECT t.model, t.id, t.payload, t.consumed_at, g.payload AS grant_payload, g.consumed_at AS grant_consumed_at
       FROM oidc_artifacts t
       LEFT JOIN oidc_artifacts g ON t.model = 'RefreshToken' AND g.model = 'Grant' AND g.id = t.payload->>'grantId'
         AND (g.expires_at IS NULL OR g.expires_at > now())
       WHERE t.model = ANY($1::text[]) AND t.id = ANY($2::text[]) AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [[...new Set(keys.map((k) => k.model))], [...new Set(keys.map((k) => k.id))]],
    );
    const found = new Map(rows.map((row) => [`${row.model}\u0000${row.id}`, row]));
    return keys.map((k) => {
      const row = found.get(`${k.model}\u0000${k.id}`);
      if (!row) return undefined;
      const grant = row.grant_payload ? withConsumed({ payload: row.grant_payload, consumed_at: row.grant_consumed_at }) : undefined;
      return { payload: withConsumed(row)!, grant };
    });
  }

  async findByUid(model: string, uid: string): Promise<ArtifactPayload | undefined> {
    if (!storable(uid)) return undefined;
    return this.rememberedRead(model, `uid\u0000${model}\u0000${uid}`, () => this.one(`model = $1 AND uid = $2`, [model, uid]));
  }

  async findByUserCode(model: string, userCode: string): Promise<ArtifactPayload | undefined> {
    if (!storable(userCode)) return undefined;
    return this.one(`model = $1 AND user_code = $2`, [model, userCode]);
  }

  /** Marks the artifact consumed; true only for the one caller that consumed it (false: already consumed, or gone). */
  async consume(model: string, id: string): Promise<boolean> {
    this.forget();
    const rows = await this.query<{ id: string }>(
      `UPDATE oidc_artifacts SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL RETURNING id`,
      [model, id],
    );
    this.forget();
    return rows.length === 1;
  }

  /**
   * Consumes (model, consumedId) and, only if this call consumed it, upserts (model, id): one
   * statement, so a refresh token's rotation is one round trip and either both happen or
   * neither. False when the old artifact was already consumed or gone (nothing written).
   */
  async consumeAndUpsert(model: string, consumedId: string, id: string, payload: ArtifactPayload, expiresInSeconds: number | undefined): Promise<boolean> {
    this.forget();
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null;
    const rows = await this.query<{ id: string }>(
      `WITH consumed AS (
         UPDATE oidc_artifacts SET consumed_at = now() WHERE model = $1 AND id = $8 AND consumed_at IS NULL RETURNING id
       )
       INSERT INTO oidc_artifacts (model, id, payload, grant_id, user_code, uid, expires_at)
       SELECT $1, $2, $3::jsonb, $4, $5, $6, $7::timestamptz WHERE EXISTS (SELECT 1 FROM consumed)
       ON CONFLICT (model, id) DO UPDATE
         SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
             uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at
       RETURNING id`,
      [model, id, JSON.stringify(payload), str(payload.grantId), str(payload.userCode), str(payload.uid), expiresAt, consumedId],
    );
    this.forget();
    return rows.length === 1;
  }

  /**
   * Records (model, id) unless a live record has it already: true for the first caller only,
   * whichever instance it runs on (an expired row awaiting cleanup counts as absent).
   */
  async insertIfAbsent(model: string, id: string, payload: ArtifactPayload, expiresInSeconds: number): Promise<boolean> {
    const rows: unknown = await this.db.dataSource.query(
      `INSERT INTO oidc_artifacts (model, id, payload, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at
         WHERE oidc_artifacts.expires_at IS NOT NULL AND oidc_artifacts.expires_at <= now()
       RETURNING id`,
      [model, id, JSON.stringify(payload), new Date(Date.now() + expiresInSeconds * 1000)],
    );
    return Array.isArray(rows) && rows.length > 0;
  }

  /**
   * Deletes the artifact and says whether this call was the one that deleted it: two requests
   * that read the same artifact cannot both go on as if they had ended it.
   */
  async destroy(model: string, id: string): Promise<boolean> {
    this.forget();
    const rows = await this.query<{ one: number }>(`DELETE FROM oidc_artifacts WHERE model = $1 AND id = $2 RETURNING 1 AS one`, [model, id]);
    this.forget();
    return rows.length > 0;
  }

  /** Removes every artifact of the grant, whatever its model (codes, access and refresh tokens). */
  async revokeByGrantId(grantId: string): Promise<void> {
    this.forget();
    await this.query(`DELETE FROM oidc_artifacts WHERE grant_id = $1`, [grantId]);
    this.forget();
  }

  /** Ends every session of the account and deletes every token, code and grant issued to it. */
  async revokeByAccount(accountId: string, tx?: Transaction): Promise<number> {
    this.forget();
    const rows: unknown[] = await managerFor(this.db, tx).query(
      `DELETE FROM oidc_artifacts WHERE payload->>'accountId' = $1 RETURNING 1`,
      [accountId],
    );
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows).length;
  }

  /**
   * Ends an emergency (break-glass) sign-in: deletes its provider session (matched by account,
   * login time and amr `emergency`), every grant of that session with its codes and tokens, and
   * any token marked with the emergency session's id, so nothing issued in it outlives it.
   */
  async revokeEmergencySession(accountId: string, loginTs: number, breakGlassSessionId: string, tx?: Transaction): Promise<number> {
    this.forget();
    const em = managerFor(this.db, tx);
    const result: unknown = await em.query(
      `DELETE FROM oidc_artifacts WHERE model = 'Session' AND payload->>'accountId' = $1 AND payload->>'loginTs' = $2
         AND payload->'amr' ? 'emergency' RETURNING payload`,
      [accountId, String(loginTs)],
    );
    const sessions = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Array<{ payload: ArtifactPayload }>;
    const grantIds = sessions.flatMap((s) =>
      Object.values((s.payload.authorizations ?? {}) as Record<string, { grantId?: unknown }>)
        .map((a) => a?.grantId)
        .filter((g): g is string => typeof g === 'string'),
    );
    const removed: unknown = await em.query(
      `DELETE FROM oidc_artifacts WHERE grant_id = ANY ($1::text[]) OR (model = 'Grant' AND id = ANY ($1::text[]))
         OR payload->'extra'->>'breakglass_session' = $2 RETURNING 1`,
      [grantIds, breakGlassSessionId],
    );
    return sessions.length + (Array.isArray(removed) && Array.isArray(removed[0]) ? removed[0] : (removed as unknown[])).length;
  }

  /** Deletes every session authorisation, code, token and grant issued to the client. */
  async revokeByClient(clientId: string, tx?: Transaction): Promise<number> {
    this.forget();
    const rows: unknown[] = await managerFor(this.db, tx).query(
      `DELETE FROM oidc_artifacts WHERE model <> 'Session' AND payload->>'clientId' = $1 RETURNING 1`,
      [clientId],
    );
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows).length;
  }

  /**
   * Deletes expired rows in bounded batches so a large backlog never holds a long lock, and
   * returns the signed-in sessions among them (their expiry is an automatic logoff to record).
   */
  async deleteExpired(batchSize = 5000): Promise<{ deleted: number; expiredSessions: Array<{ sessionUid: string; accountId: string }> }> {
    let deleted = 0;
    const expiredSessions: Array<{ sessionUid: string; accountId: string }> = [];
    for (;;) {
      const rows: Array<{ model: string; uid: string | null; account_id: string | null }> = await this.db.dataSource.query(
        `DELETE FROM oidc_artifacts WHERE ctid IN (
           SELECT ctid FROM oidc_artifacts WHERE expires_at <= now() LIMIT $1)
         RETURNING model, uid, payload->>'accountId' AS account_id`,
        [batchSize],
      );
      const batch = Array.isArray(rows[0]) ? (rows[0] as typeof rows) : rows;
      deleted += batch.length;
      for (const row of batch) {
        if (row.model === 'Session' && row.account_id && row.uid) expiredSessions.push({ sessionUid: row.uid, accountId: row.account_id });
      }
      if (batch.length < batchSize) return { deleted, expiredSessions };
    }
  }

  /** Signed-in, unexpired sessions in `uid` order (keyset after `afterUid`), optionally of one account. */
  async listSessions(opts: { limit: number; afterUid?: string; accountId?: string }): Promise<Array<{ payload: ArtifactPayload; expiresAt: Date | null }>> {
    const where = [`model = 'Session'`, `payload->>'accountId' IS NOT NULL`, NOT_EXPIRED];
    const params: unknown[] = [];
    if (opts.afterUid) {
      params.push(opts.afterUid);
      where.push(`uid > $${params.length}`);
    }
    if (opts.accountId) {
      params.push(opts.accountId);
      where.push(`payload->>'accountId' = $${params.length}`);
    }
    params.push(opts.limit);
    const rows: Array<{ payload: ArtifactPayload; expires_at: Date | null }> = await this.db.dataSource.query(
      `SELECT payload, expires_at FROM oidc_artifacts WHERE ${where.join(' AND ')} ORDER BY uid LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ payload: r.payload, expiresAt: r.expires_at }));
  }

  /** The account of the signed-in, unexpired session with this uid. */
  async sessionAccount(uid: string): Promise<string | undefined> {
    const rows = await this.query<{ account_id: string }>(
      `SELECT payload->>'accountId' AS account_id FROM oidc_artifacts
        WHERE model = 'Session' AND uid = $1 AND payload->>'accountId' IS NOT NULL AND ${NOT_EXPIRED} LIMIT 1`,
      [uid],
    );
    return rows[0]?.account_id;
  }

  /**
   * Ends one signed-in session by its uid: deletes the Session and, for every grant in its
   * authorisations, the grant and every code and token issued under it, in one transaction.
   * Returns the deleted session's payload, or undefined when there was none.
   */
  async revokeSession(uid: string, accountId?: string): Promise<ArtifactPayload | undefined> {
    this.forget();
    return this.db.dataSource.transaction(async (em) => {
      const params: unknown[] = [uid];
      if (accountId) params.push(accountId);
      const result: unknown = await em.query(
        `DELETE FROM oidc_artifacts WHERE model = 'Session' AND uid = $1 AND payload->>'accountId' IS NOT NULL
         ${accountId ? `AND payload->>'accountId' = $2` : ''} RETURNING payload`,
        params,
      );
      const rows = (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Array<{ payload: ArtifactPayload }>;
      const session = rows[0]?.payload;
      if (!session) return undefined;
      const grantIds = Object.values((session.authorizations ?? {}) as Record<string, { grantId?: unknown }>)
        .map((a) => a?.grantId)
        .filter((g): g is string => typeof g === 'string');
      if (grantIds.length) {
        await em.query(`DELETE FROM oidc_artifacts WHERE grant_id = ANY ($1::text[]) OR (model = 'Grant' AND id = ANY ($1::text[]))`, [grantIds]);
      }
      return session;
    });
  }

  private async one(where: string, params: unknown[]): Promise<ArtifactPayload | undefined> {
    const rows = await this.query<ArtifactRow>(`SELECT payload, consumed_at FROM oidc_artifacts WHERE ${where} AND ${NOT_EXPIRED} LIMIT 1`, params);
    return withConsumed(rows[0]);
  }

  /**
   * The per-request statements (find, upsert, consume, destroy) go to the connection pool
   * TypeORM opened, without TypeORM's query runner in between: each is one autocommit
   * statement, and the runner's set-up, events and result wrapping cost more CPU than the
   * statement's own serialisation. Errors are pg's own (isDatabaseUnavailable reads them).
   */
  private async query<R>(text: string, params: unknown[]): Promise<R[]> {
    const pool = (this.db.dataSource.driver as unknown as { master: { query(text: string, params: unknown[]): Promise<{ rows: R[] }> } }).master;
    return (await pool.query(text, params)).rows;
  }
}

interface Found {
  payload: ArtifactPayload;
  /** For a refresh token: its grant, read in the same statement. */
  grant?: ArtifactPayload;
}

interface ArtifactKey {
  model: string;
  id: string;
}

interface ArtifactRow {
  payload: ArtifactPayload;
  consumed_at: Date | null;
}

/** PostgreSQL text cannot hold NUL, so no stored artifact has such a key; asking would only fail the statement. */
function storable(key: string): boolean {
  return typeof key === 'string' && !key.includes('\u0000');
}

function withConsumed(row: ArtifactRow | undefined): ArtifactPayload | undefined {
  if (!row) return undefined;
  return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
