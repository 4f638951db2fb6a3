/**
 * Whether an error means "the database cannot answer right now" (an outage the caller should
 * retry: 503 with Retry-After) rather than a bug or a refusal of this request's data.
 * Rules: SQLSTATE class 08 (connection exception), 53 (insufficient resources), 57 (operator
 * intervention, which includes 57014 statement_timeout and 57P01 admin shutdown, i.e. failover)
 * count; any other SQLSTATE does not; with no SQLSTATE, socket errors, a connection the server
 * or the network ended, a pool that could not hand out a connection in time and a query the
 * client gave up on count. The cause chain is walked (TypeORM's driverError, Error.cause,
 * AggregateError), so a module error wrapping a lost connection counts too.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 8) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (/^(08|53|57)/.test(code)) return true;
  } else if (SOCKET_CODES.has(code) || UNAVAILABLE_MESSAGE.test(String(e.message ?? ''))) {
    return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'EAI_AGAIN']);

/** What pg, pg-pool and TypeORM say (without a code) when a connection is gone or could not be had. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|terminating connection|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end|Connection ended unexpectedly|the database system is (starting up|shutting down|in recovery mode)/i;
