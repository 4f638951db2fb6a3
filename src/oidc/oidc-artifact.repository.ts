import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type OpenedDatabase } from '../database/index.js';

export type ArtifactPayload = Record<string, unknown> & { consumed?: number };

const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > now())';

/**
 * Storage of oidc-provider artifacts. Plain parameterised SQL: these are the hottest queries
 * in the service and each is a single indexed statement. Expired rows are invisible at once
 * and deleted later by the cleanup job.
 */
@Injectable()
export class OidcArtifactRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async upsert(model: string, id: string, payload: ArtifactPayload, expiresInSeconds: number | undefined): Promise<void> {
    const expiresAt = expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000) : null;
    await this.db.dataSource.query(
      `INSERT INTO oidc_artifacts (model, id, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, id) DO UPDATE
         SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
             uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [model, id, JSON.stringify(payload), str(payload.grantId), str(payload.userCode), str(payload.uid), expiresAt],
    );
  }

  async find(model: string, id: string): Promise<ArtifactPayload | undefined> {
    return this.one(`model = $1 AND id = $2`, [model, id]);
  }

  async findByUid(model: string, uid: string): Promise<ArtifactPayload | undefined> {
    return this.one(`model = $1 AND uid = $2`, [model, uid]);
  }

  async findByUserCode(model: string, userCode: string): Promise<ArtifactPayload | undefined> {
    return this.one(`model = $1 AND user_code = $2`, [model, userCode]);
  }

  async consume(model: string, id: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE oidc_artifacts SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL`,
      [model, id],
    );
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM oidc_artifacts WHERE model = $1 AND id = $2`, [model, id]);
  }

  /** Removes every artifact of the grant, whatever its model (codes, access and refresh tokens). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM oidc_artifacts WHERE grant_id = $1`, [grantId]);
  }

  /** Deletes expired rows in bounded batches so a large backlog never holds a long lock. */
  async deleteExpired(batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db.dataSource.query(
        `DELETE FROM oidc_artifacts WHERE ctid IN (
           SELECT ctid FROM oidc_artifacts WHERE expires_at <= now() LIMIT $1)`,
        [batchSize],
      );
      const deleted = Array.isArray(result) ? Number(result[1] ?? 0) : 0;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  private async one(where: string, params: unknown[]): Promise<ArtifactPayload | undefined> {
    const rows: Array<{ payload: ArtifactPayload; consumed_at: Date | null }> = await this.db.dataSource.query(
      `SELECT payload, consumed_at FROM oidc_artifacts WHERE ${where} AND ${NOT_EXPIRED} LIMIT 1`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
