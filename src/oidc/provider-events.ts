import { createHash } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { currentRequestScope, DeliveryBarrier, runInRequestScope, type EventActor, type EventBus } from '../events/index.js';
import type { TokenKind } from './oidc.events.js';
import { INTROSPECTION_REFUSED, type IntrospectionRefusal } from './introspection-policy.js';
import { noteIfDatabaseUnavailable } from './database-outage.js';
import { isDatabaseUnavailable } from '../database/index.js';

interface TokenLike {
  kind: string;
  jti?: string;
  clientId?: string;
  accountId?: string;
  grantId?: string;
  aud?: string | string[];
  scope?: string;
  exp?: number;
  format?: string;
}

const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'introspection.error',
  'revocation.error',
  'userinfo.error',
  'end_session.error',
  'pushed_authorization_request.error',
  'discovery.error',
  'jwks.error',
] as const;

/**
 * A reference to a token that is not the token: SHA-256 of its id, base64url. For an opaque
 * token the id is the bearer value, so only its hash may be stored; for a JWT it is the `jti`
 * claim. An investigator holding a token computes the same value to find its records.
 */
export function tokenRef(jti: string): string {
  return createHash('sha256').update(jti, 'utf8').digest('base64url');
}

/**
 * Re-emits protocol events on the bus (audit listens there). oidc-provider emits synchronously,
 * so the deliveries are not awaited where they start; instead `auditBarrier` holds every
 * response until the deliveries its request started have finished. Never copies a token id.
 */
export function bridgeProviderEvents(provider: Provider, bus: EventBus, logger: Logger): void {
  provider.use(auditBarrier(logger));

  const holder = (token: TokenLike): EventActor =>
    token.accountId ? { type: 'user', id: token.accountId } : { type: 'client', id: token.clientId ?? 'unknown' };

  const issued = (kind: TokenKind, format: 'opaque' | 'jwt') => (token: TokenLike) =>
    void bus.notify(
      'oidc.token.issued',
      {
        kind,
        format,
        tokenRef: token.jti ? tokenRef(token.jti) : null,
        clientId: token.clientId ?? '',
        accountId: token.accountId ?? null,
        grantId: token.grantId ?? null,
        audience: Array.isArray(token.aud) ? token.aud.join(' ') : (token.aud ?? null),
        scope: token.scope ?? null,
        expiresAt: token.exp ? new Date(token.exp * 1000).toISOString() : null,
      },
      { actor: holder(token) },
    );
  provider.on('access_token.saved', issued('AccessToken', 'opaque'));
  provider.on('access_token.issued', issued('AccessToken', 'jwt'));
  provider.on('client_credentials.saved', issued('ClientCredentials', 'opaque'));
  provider.on('client_credentials.issued', issued('ClientCredentials', 'jwt'));
  provider.on('refresh_token.saved', issued('RefreshToken', 'opaque'));

  const revoked = (kind: TokenKind) => (token: TokenLike) =>
    void bus.notify(
      'oidc.token.revoked',
      {
        kind,
        tokenRef: token.jti ? tokenRef(token.jti) : null,
        clientId: token.clientId ?? '',
        accountId: token.accountId ?? null,
        grantId: token.grantId ?? null,
      },
      { actor: holder(token) },
    );
  provider.on('access_token.destroyed', revoked('AccessToken'));
  provider.on('client_credentials.destroyed', revoked('ClientCredentials'));
  provider.on('refresh_token.destroyed', revoked('RefreshToken'));

  (provider as unknown as NodeJS.EventEmitter).on(INTROSPECTION_REFUSED, (_ctx: unknown, refusal: IntrospectionRefusal) =>
    void bus.notify(
      'oidc.introspection.refused',
      { callerClientId: refusal.callerClientId, kind: refusal.kind, tokenRef: refusal.jti ? tokenRef(refusal.jti) : null, tokenClientId: refusal.tokenClientId },
      { actor: { type: 'client', id: refusal.callerClientId } },
    ),
  );

  for (const name of ERROR_EVENTS) {
    (provider as unknown as NodeJS.EventEmitter).on(
      name,
      (ctx: { oidc?: { client?: { clientId: string } } }, error: { error?: string; error_description?: string; error_detail?: string }) => {
        const endpoint = name.replace(/\.error$/, '');
        const clientId = ctx?.oidc?.client?.clientId ?? null;
        // error_detail is the provider's internal reason: logged for operators, never sent to the client.
        logger.warn({ endpoint, clientId, error: error?.error, detail: error?.error_detail }, 'OIDC request refused');
        void bus.notify(
          'oidc.grant.failed',
          {
            endpoint,
            clientId,
            error: error?.error ?? 'server_error',
            description: error?.error_description ?? null,
          },
          clientId ? { actor: { type: 'client', id: clientId } } : undefined,
        );
      },
    );
  }
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    noteIfDatabaseUnavailable(ctx, err);
    // An outage becomes a 503 (databaseOutage), logged once as a warning by the request log.
    if (isDatabaseUnavailable(err)) return;
    logger.error({ err }, 'OpenID Provider server error');
  });
}

/**
 * Koa middleware (outermost on the provider): runs the request inside a request scope with a
 * delivery barrier, then waits for every event delivery the request started before koa
 * sends the response. Rules: a response leaves only after its audit records are committed;
 * if one could not be written, the response is replaced by a server_error (no token, no
 * code, no redirect, no cookie leaves without its record: fail closed).
 */
export function auditBarrier(logger: Logger) {
  return async function auditBarrierMiddleware(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    const parent = currentRequestScope();
    const barrier = new DeliveryBarrier();
    const userAgent = ctx.get('user-agent');
    const origin = parent?.origin ?? { ip: ctx.ip, ...(userAgent ? { userAgent } : {}) };
    let thrown: { error: unknown } | undefined;
    try {
      await runInRequestScope({ requestId: parent?.requestId, origin, barrier }, next);
    } catch (error) {
      thrown = { error };
    }
    const failures = await barrier.settle();
    for (const failure of failures) noteIfDatabaseUnavailable(ctx, failure);
    if (failures.length > 0) {
      // An outage's 503 is already one warning in the request log.
      if (failures.every((f) => isDatabaseUnavailable(f))) logger.debug({ path: ctx.path, failures: failures.length }, 'a protocol response was withheld: the database is unavailable');
      else logger.error({ path: ctx.path, failures: failures.length }, 'a protocol response was withheld: its audit record could not be written');
      if (ctx.headerSent) {
        ctx.res.destroy();
        return;
      }
      ctx.remove('Location');
      ctx.remove('Set-Cookie');
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 500;
      ctx.type = 'application/json';
      ctx.body = { error: 'server_error', error_description: 'the request could not be completed' };
      return;
    }
    if (thrown) throw thrown.error;
  };
}
