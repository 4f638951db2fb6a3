import { Logger } from '@nestjs/common';
import pg from 'pg';

/**
 * The pg Client every pool of the service creates. Invariants:
 * - it always has an 'error' listener, from its creation to its end: pg emits 'error' on a
 *   lost connection even while a query is active, and pg-pool listens only while the client
 *   is idle, so a client checked out at the moment of a reset (a transaction, the audit group
 *   commit, an advisory-lock holder) would otherwise crash the process. The queries in flight
 *   on it still fail (pg rejects them), so the requests that used it answer 503; the client is
 *   no longer queryable, so the pool discards it on release and opens a fresh one.
 * - a query the client gave up on (query_timeout: the server did not answer at all) ends the
 *   connection, so a connection with an unanswered statement on it never returns to the pool
 *   to answer the next caller with the previous caller's result.
 */
export class SafePgClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', (err: Error) => connectionLost(err));
  }

  override query(...args: unknown[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, ...rest: unknown[]) => {
        if (err) this.onQueryError(err);
        return (last as (...a: unknown[]) => unknown)(err, ...rest);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function' && typeof last !== 'function') {
      (result as Promise<unknown>).catch((err: Error) => this.onQueryError(err));
    }
    return result;
  }

  private onQueryError(err: Error): void {
    if (!/Query read timeout/.test(err?.message ?? '')) return;
    connectionLost(err);
    // Ending marks the client so that pg-pool removes it on release instead of reusing it.
    this.end().catch(() => undefined);
  }
}

const logger = new Logger('Database');
let lastWarning = 0;

/** One line per lost connection, at most one every five seconds (a failover drops them all at once). */
function connectionLost(err: Error): void {
  const now = Date.now();
  if (now - lastWarning < 5000) return;
  lastWarning = now;
  const code = (err as { code?: string }).code;
  logger.warn(`a database connection was lost and will be replaced: ${code ? `${code} ` : ''}${err.message}`);
}
