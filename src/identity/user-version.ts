import { rowsOf } from '../database/index.js';

/**
 * Moves a user's version (ETag) on, in the caller's transaction: a change of their credentials
 * (password, factors, enrolment code) or of their effective roles. An If-Match read before, a
 * pending approval's above all, no longer matches. With `expectedVersion`, a compare-and-swap:
 * false (nothing moved) unless the user is still at that version, so an act checked against the
 * user as they were cannot slip in behind a change since (a protected role granted, above all).
 */
export async function moveUserVersion(
  em: { query(sql: string, params: unknown[]): Promise<unknown> },
  userId: string,
  expectedVersion?: number,
): Promise<boolean> {
  const cas = expectedVersion !== undefined;
  const rows = rowsOf(
    await em.query(
      `UPDATE users SET version = version + 1, updated_at = now() WHERE id = $1 AND deleted_at IS NULL${cas ? ' AND version = $2' : ''} RETURNING 1 AS one`,
      cas ? [userId, expectedVersion] : [userId],
    ),
  );
  return !cas || rows.length > 0;
}
