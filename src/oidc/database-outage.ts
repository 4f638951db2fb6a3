import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDatabaseUnavailable, OUTAGE_RETRY_AFTER_SECONDS, wantsPage } from '../database/index.js';
import { messagePage, type Brand, type SafeHtml } from '../ui/index.js';

/** What a person's browser shows while the database cannot answer: a 503 page that says to try again. */
export function outagePage(brand: Brand): SafeHtml {
  return messagePage(
    brand,
    'Sign-in is briefly unavailable',
    `The service cannot complete this step right now. Wait a few seconds and try again (reload this page); what you entered so far is not lost.`,
  );
}

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
 * failed request produced (token, code, cookie, redirect) is kept. A browser gets the outage page.
 */
export function databaseOutage(databaseUp: () => Promise<boolean>, page?: () => SafeHtml): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || ctx.headerSent) throw err;
      noteIfDatabaseUnavailable(ctx, err);
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
    }
    const body = ctx.body as { error?: string } | string | undefined;
    // A 500 is a server_error: as JSON for a client, or as the error page rendered for a browser.
    const serverError = typeof body === 'string' || body?.error === 'server_error';
    if (ctx.status !== 500 || !serverError || ctx.headerSent) return;
    const noted = (ctx.state as Record<symbol, boolean> | undefined)?.[UNAVAILABLE] === true;
    if (!noted && (await databaseUp())) return;
    ctx.remove('Location');
    ctx.remove('Set-Cookie');
    ctx.status = 503;
    ctx.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    ctx.set('Cache-Control', 'no-store');
    // A browser (the authorization request, logout) gets a page; an OAuth client its error object.
    if (page && wantsPage({ method: ctx.method, url: ctx.url, headers: ctx.headers })) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = page().toString();
      return;
    }
    ctx.type = 'application/json';
    ctx.body = { error: 'temporarily_unavailable', error_description: 'the service cannot reach its database; try again shortly' };
  };
}
