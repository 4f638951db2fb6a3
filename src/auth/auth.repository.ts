import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import type { ThrottleState } from './throttle.js';

/** The sign-in throttle counters. Each update is one atomic statement (safe across instances). */
@Injectable()
export class AuthRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async find(key: string): Promise<ThrottleState | null> {
    const rows: Array<{ failures: number; window_started_at: Date; locked_until: Date | null }> = await this.db.dataSource.query(
      'SELECT failures, window_started_at, locked_until FROM login_throttle WHERE key = $1',
      [key],
    );
    const row = rows[0];
    return row ? { failures: row.failures, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until } : null;
  }

  /**
   * Counts one failure in the current window (a window older than windowSeconds starts over)
   * and sets a lock when the count reaches `lockAt` (pass 0 for no lock).
   */
  async recordFailure(key: string, windowSeconds: number, lockAt: number, lockSeconds: number): Promise<ThrottleState> {
    const rows: Array<{ failures: number; window_started_at: Date; locked_until: Date | null }> = await this.db.dataSource.query(
      `INSERT INTO login_throttle AS t (key, failures, window_started_at, locked_until)
       VALUES ($1, 1, now(), CASE WHEN $3 > 0 AND 1 >= $3 THEN now() + make_interval(secs => $4) END)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_started_at < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
         window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => $2) THEN now() ELSE t.window_started_at END,
         locked_until = CASE
           WHEN $3 > 0 AND (CASE WHEN t.window_started_at < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END) >= $3
             THEN now() + make_interval(secs => $4)
           ELSE t.locked_until END
       RETURNING failures, window_started_at, locked_until`,
      [key, windowSeconds, lockAt, lockSeconds],
    );
    const row = rows[0]!;
    return { failures: row.failures, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until };
  }

  /** Counters whose window and lock are both over (a day of slack) are forgotten. */
  async deleteStale(): Promise<void> {
    await this.db.dataSource.query(
      `DELETE FROM login_throttle
       WHERE window_started_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`,
    );
  }

  async reset(key: string): Promise<void> {
    await this.db.dataSource.query('DELETE FROM login_throttle WHERE key = $1', [key]);
  }
}
