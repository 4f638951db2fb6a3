import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type OpenedDatabase } from '../database/index.js';

export interface IdempotencyRecord {
  fingerprint: string;
  sealedResponse: string | null;
}

export type ClaimOutcome = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

/** Storage of admin Idempotency-Key records (table admin_idempotency_records). */
@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  /**
   * Claims the key for this request in one statement: inserts it, or takes over a row that has
   * expired. Two concurrent first requests race on the primary key; exactly one claims it.
   */
  async claim(principal: string, key: string, fingerprint: string, now: Date, expiresAt: Date, attempt = 0): Promise<ClaimOutcome> {
    const claimed: unknown[] = await this.db.dataSource.query(
      `INSERT INTO admin_idempotency_records (principal, idempotency_key, fingerprint, sealed_response, created_at, expires_at)
       VALUES ($1, $2, $3, NULL, $4, $5)
       ON CONFLICT (principal, idempotency_key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, sealed_response = NULL,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE admin_idempotency_records.expires_at <= $4
       RETURNING 1`,
      [principal, key, fingerprint, now, expiresAt],
    );
    if (claimed.length) return { claimed: true };
    const rows: Array<{ fingerprint: string; sealed_response: string | null }> = await this.db.dataSource.query(
      `SELECT fingerprint, sealed_response FROM admin_idempotency_records WHERE principal = $1 AND idempotency_key = $2`,
      [principal, key],
    );
    const row = rows[0];
    // Deleted between the two statements (the first request failed): the caller may retry.
    if (!row) {
      if (attempt >= 2) throw new Error('the idempotency record keeps disappearing');
      return this.claim(principal, key, fingerprint, now, expiresAt, attempt + 1);
    }
    return { claimed: false, existing: { fingerprint: row.fingerprint, sealedResponse: row.sealed_response } };
  }

  async complete(principal: string, key: string, sealedResponse: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE admin_idempotency_records SET sealed_response = $3 WHERE principal = $1 AND idempotency_key = $2`,
      [principal, key, sealedResponse],
    );
  }

  /** Forgets a claim whose request failed, so that a retry with the same key runs again. */
  async release(principal: string, key: string): Promise<void> {
    await this.db.dataSource.query(
      `DELETE FROM admin_idempotency_records WHERE principal = $1 AND idempotency_key = $2 AND sealed_response IS NULL`,
      [principal, key],
    );
  }

  async deleteExpired(now: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db.dataSource.query(
        `DELETE FROM admin_idempotency_records WHERE ctid IN (
           SELECT ctid FROM admin_idempotency_records WHERE expires_at <= $1 LIMIT $2)`,
        [now, batchSize],
      );
      const deleted = Array.isArray(result) ? Number(result[1] ?? 0) : 0;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
