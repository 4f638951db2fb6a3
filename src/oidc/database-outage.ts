import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDatabaseUnavailable } from '../database/index.js';

/** Retry-After, in seconds, on a 503 for a database outage: about a pool's reconnect and a failover's promotion. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

const UNAVAILABLE = Symbol('database-unavailable');

/** Notes on the request that it failed because the database could not answer (read by databaseOutage). */
export function noteIfDatabaseUnavailable(ctx: KoaContextWithOIDC | undefined, err: unknown): void {
  if (ctx?.state && isDatabaseUnavailable(err)) (ctx.state as Record<symbol, boolean>)[UNAVAILABLE] = true;
}

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/**
 * Koa middleware, outermost on the provider. Rules: a request that failed because the database
 * could not answer is an outage, not a bug: the client is told 503 temporarily_unavailable with
 * Retry-After, so it retries instead of giving up. That is known from the error itself (a lost
 * connection, a timeout: noted by the provider's server_error event and the audit barrier, or
 * thrown through here), or, for a bare server_error, from a ping that fails. Nothing the
 * failed request produced (token, code, cookie, redirect) is kept.
 */
export function databaseOutage(databaseUp: () => Promise<boolean>): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || ctx.headerSent) throw err;
      noteIfDatabaseUnavailable(ctx, err);
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
    }
    const body = ctx.body as { error?: string } | undefined;
    if (ctx.status !== 500 || body?.error !== 'server_error' || ctx.headerSent) return;
    const noted = (ctx.state as Record<symbol, boolean> | undefined)?.[UNAVAILABLE] === true;
    if (!noted && (await databaseUp())) return;
    ctx.remove('Location');
    ctx.remove('Set-Cookie');
    ctx.status = 503;
    ctx.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = { error: 'temporarily_unavailable', error_description: 'the service cannot reach its database; try again shortly' };
  };
}
