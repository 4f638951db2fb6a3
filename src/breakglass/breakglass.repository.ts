import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';

export interface StoredEmergencySession {
  id: string;
  userId: string;
  email: string;
  justification: string;
  factor: 'totp' | 'webauthn';
  loginTs: number;
  startedAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
  tokensIssued: number;
  reviewedAt: Date | null;
  reviewedBy: string | null;
  reviewNote: string | null;
}

const SESSION_COLUMNS = `id, user_id AS "userId", email, justification, factor, login_ts::float8 AS "loginTs", started_at AS "startedAt",
  expires_at AS "expiresAt", ended_at AS "endedAt", tokens_issued AS "tokensIssued", reviewed_at AS "reviewedAt",
  reviewed_by AS "reviewedBy", review_note AS "reviewNote"`;

/**
 * Emergency sessions (kept for review and for the record) and the per-account failure count of
 * the emergency password. An emergency sign-in in flight is a stage of the sign-in state row (auth/).
 */
@Injectable()
export class BreakGlassRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async insertSession(s: StoredEmergencySession, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO breakglass_sessions (id, user_id, email, justification, factor, login_ts, started_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [s.id, s.userId, s.email, s.justification, s.factor, s.loginTs, s.startedAt, s.expiresAt],
    );
  }

  async findSession(id: string): Promise<StoredEmergencySession | null> {
    return (await this.db.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM breakglass_sessions WHERE id = $1`, [id]))[0] ?? null;
  }

  /** The emergency session a sign-in (account + login time) belongs to. */
  async findByLogin(userId: string, loginTs: number): Promise<StoredEmergencySession | null> {
    const rows = await this.db.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM breakglass_sessions WHERE user_id = $1 AND login_ts = $2`, [userId, loginTs]);
    return rows[0] ?? null;
  }

  async countToken(id: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE breakglass_sessions SET tokens_issued = tokens_issued + 1 WHERE id = $1`, [id]);
  }

  /** Claims the sessions that ran out and are not yet marked ended (one instance wins each row). */
  async endExpired(now: Date): Promise<StoredEmergencySession[]> {
    return rowsOf(
      await this.db.dataSource.query(
        `UPDATE breakglass_sessions SET ended_at = expires_at WHERE ended_at IS NULL AND expires_at <= $1 RETURNING ${SESSION_COLUMNS}`,
        [now],
      ),
    );
  }

  /** Ends one session still in force now; null when it already ended or ran out (compare-and-set). */
  async endNow(id: string, now: Date, tx?: Transaction): Promise<StoredEmergencySession | null> {
    const rows = await managerFor(this.db, tx).query(
      `UPDATE breakglass_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL AND expires_at > $2 RETURNING ${SESSION_COLUMNS}`,
      [id, now],
    );
    return rowsOf<StoredEmergencySession>(rows)[0] ?? null;
  }

  async list(opts: { unreviewedOnly: boolean; limit: number }): Promise<StoredEmergencySession[]> {
    const where = opts.unreviewedOnly ? 'WHERE reviewed_at IS NULL' : '';
    return this.db.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM breakglass_sessions ${where} ORDER BY started_at DESC, id LIMIT $1`, [opts.limit]);
  }

  async countUnreviewed(): Promise<{ count: number; oldest: Date | null }> {
    const [row] = await this.db.dataSource.query(`SELECT count(*)::int AS count, min(started_at) AS oldest FROM breakglass_sessions WHERE reviewed_at IS NULL`);
    return { count: row.count, oldest: row.oldest };
  }

  /** Marks reviewed once: false when it already was (compare-and-set). */
  async markReviewed(id: string, by: string, note: string, at: Date, tx?: Transaction): Promise<boolean> {
    const rows = await managerFor(this.db, tx).query(
      `UPDATE breakglass_sessions SET reviewed_at = $2, reviewed_by = $3, review_note = $4 WHERE id = $1 AND reviewed_at IS NULL RETURNING id`,
      [id, at, by, note],
    );
    return rowsOf(rows).length > 0;
  }

  /** Failures of this account in the window that is open at `now` (a window older than windowSeconds starts over). */
  async failuresOf(accountKey: string, now: Date, windowSeconds: number): Promise<number> {
    const [row] = await this.db.dataSource.query(`SELECT failures, window_start AS "windowStart" FROM breakglass_failures WHERE account_key = $1`, [accountKey]);
    if (!row || now.getTime() - new Date(row.windowStart).getTime() > windowSeconds * 1000) return 0;
    return row.failures;
  }

  async recordFailure(accountKey: string, now: Date, windowSeconds: number): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO breakglass_failures (account_key, failures, window_start) VALUES ($1, 1, $2)
       ON CONFLICT (account_key) DO UPDATE SET
         failures = CASE WHEN breakglass_failures.window_start < $2 - make_interval(secs => $3) THEN 1 ELSE breakglass_failures.failures + 1 END,
         window_start = CASE WHEN breakglass_failures.window_start < $2 - make_interval(secs => $3) THEN $2 ELSE breakglass_failures.window_start END`,
      [accountKey, now, windowSeconds],
    );
  }

  async clearFailures(accountKey: string): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM breakglass_failures WHERE account_key = $1`, [accountKey]);
  }
}

