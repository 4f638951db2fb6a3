import type { Logger } from '@nestjs/common';
import type Provider from 'oidc-provider';
import type { EventBus } from '../events/index.js';
import type { TokenKind } from './oidc.events.js';

interface TokenLike {
  kind: string;
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
 * Re-emits protocol events on the bus (audit listens there). oidc-provider's emitter is
 * synchronous, so these are notifications: durability of protocol audit records is the audit
 * module's concern (issue #7). Never copies a token id: for opaque tokens it is the token.
 */
export function bridgeProviderEvents(provider: Provider, bus: EventBus, logger: Logger): void {
  const issued = (kind: TokenKind, format: 'opaque' | 'jwt') => (token: TokenLike) =>
    void bus.notify('oidc.token.issued', {
      kind,
      format,
      clientId: token.clientId ?? '',
      accountId: token.accountId ?? null,
      grantId: token.grantId ?? null,
      audience: Array.isArray(token.aud) ? token.aud.join(' ') : (token.aud ?? null),
      scope: token.scope ?? null,
      expiresAt: token.exp ? new Date(token.exp * 1000).toISOString() : null,
    });
  provider.on('access_token.saved', issued('AccessToken', 'opaque'));
  provider.on('access_token.issued', issued('AccessToken', 'jwt'));
  provider.on('client_credentials.saved', issued('ClientCredentials', 'opaque'));
  provider.on('client_credentials.issued', issued('ClientCredentials', 'jwt'));
  provider.on('refresh_token.saved', issued('RefreshToken', 'opaque'));

  const revoked = (kind: TokenKind) => (token: TokenLike) =>
    void bus.notify('oidc.token.revoked', {
      kind,
      clientId: token.clientId ?? '',
      accountId: token.accountId ?? null,
      grantId: token.grantId ?? null,
    });
  provider.on('access_token.destroyed', revoked('AccessToken'));
  provider.on('client_credentials.destroyed', revoked('ClientCredentials'));
  provider.on('refresh_token.destroyed', revoked('RefreshToken'));

  for (const name of ERROR_EVENTS) {
    (provider as unknown as NodeJS.EventEmitter).on(
      name,
      (ctx: { oidc?: { client?: { clientId: string } } }, error: { error?: string; error_description?: string; error_detail?: string }) => {
        const endpoint = name.replace(/\.error$/, '');
        const clientId = ctx?.oidc?.client?.clientId ?? null;
        // error_detail is the provider's internal reason: logged for operators, never sent to the client.
        logger.warn({ endpoint, clientId, error: error?.error, detail: error?.error_detail }, 'OIDC request refused');
        void bus.notify('oidc.grant.failed', {
          endpoint,
          clientId,
          error: error?.error ?? 'server_error',
          description: error?.error_description ?? null,
        });
      },
    );
  }
  provider.on('server_error', (_ctx: unknown, err: Error) => logger.error({ err }, 'OpenID Provider server error'));
}
