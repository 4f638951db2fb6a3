import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';

export interface StoredPolicies {
  document: Record<string, unknown>;
  version: number;
  updatedAt: Date;
}

/** The single row of runtime_policies; absent until the first change. */
@Injectable()
export class PoliciesRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async read(): Promise<StoredPolicies | null> {
    const rows: Array<{ document: Record<string, unknown>; version: number; updated_at: Date }> = await this.db.dataSource.query(
      `SELECT document, version, updated_at FROM runtime_policies WHERE id = 1`,
    );
    return rows[0] ? { document: rows[0].document, version: rows[0].version, updatedAt: rows[0].updated_at } : null;
  }

  /**
   * Compare-and-swap on the version (version 1 with no row means "the defaults"): true when
   * written. Two administrators changing policies at once: one wins, the other gets a 412.
   */
  async write(document: Record<string, unknown>, expectedVersions: number[], now: Date, tx: Transaction): Promise<number | null> {
    const em = managerFor(this.db, tx);
    const result: unknown = await em.query(
      `UPDATE runtime_policies SET document = $1, version = version + 1, updated_at = $2
       WHERE id = 1 AND version = ANY ($3::int[]) RETURNING version`,
      [JSON.stringify(document), now, expectedVersions],
    );
    const updated = rowsOf<{ version: number }>(result);
    if (updated[0]) return updated[0].version;
    if (!expectedVersions.includes(1)) return null;
    const inserted = rowsOf<{ version: number }>(
      await em.query(
        `INSERT INTO runtime_policies (id, document, version, updated_at) VALUES (1, $1, 2, $2)
         ON CONFLICT (id) DO NOTHING RETURNING version`,
        [JSON.stringify(document), now],
      ),
    );
    return inserted[0]?.version ?? null;
  }
}

