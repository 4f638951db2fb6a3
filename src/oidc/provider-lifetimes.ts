import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';

/**
 * How long each artifact lives. Read on every use from `config` (the live-lifetimes proxy of
 * live-lifetimes.ts), so an administrator's change applies to the next token; an emergency
 * (break-glass) sign-in is capped at its short session.
 */
export function lifetimes(config: AppConfig): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: (ctx, token) =>
      emergencyCapped(config, ctx, Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken, config.ttl.accessToken)),
    ClientCredentials: (_ctx, token) =>
      Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.clientCredentials, config.ttl.clientCredentials),
    AuthorizationCode: config.ttl.authorizationCode,
    IdToken: (ctx) => emergencyCapped(config, ctx, config.ttl.idToken),
    Interaction: config.ttl.interaction,
    Session: (_ctx, session) =>
      isEmergencyAmr(session.amr) ? emergencySessionTtl(config, session.loginTs) : sessionTtl(config, session.loginTs),
    Grant: config.ttl.refreshTokenAbsolute,
    RefreshToken: (_ctx, token) => refreshTokenTtl(config, token.iiat ?? token.iat),
  };
}

/**
 * online_access (SMART): a refresh token that ends with the session (expiresWithSession, as without offline_access).
 * An emergency session cannot be extended: no refresh token is ever issued in one.
 */
export const issueRefreshToken: NonNullable<Configuration['issueRefreshToken']> = async (_ctx, client, code) =>
  !isEmergencyAmr((code as { amr?: unknown }).amr) &&
  client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access'));

/**
 * Client authentication methods that prove possession of a private key (a signed assertion or
 * the TLS client certificate), as FAPI 2.0 requires of confidential clients; a shared secret is
 * not one of them.
 */
const KEY_BOUND_CLIENT_AUTH: ReadonlySet<string> = new Set(['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * Refresh token rotation: every refresh token rotates on use (reuse revokes the family, RFC 9700
 * §4.14.2), with one exception, FAPI 2.0's (§5.3.2.1): a client that authenticates with a private
 * key (`private_key_jwt`, `tls_client_auth`, `self_signed_tls_client_auth`) AND whose refresh is
 * sender-constrained (a DPoP proof on the request, mTLS-bound tokens, or a token bound to a key)
 * keeps its refresh token: using it takes both the client's key and the bound key, so a stolen
 * token alone is worthless. It is replaced only once 70% of its lifetime has passed, so the idle
 * timeout never cuts off an active app; the absolute limit of the family still holds. A client
 * authenticated by a secret rotates whatever it sends: a DPoP header costs nothing to add and
 * must not switch rotation off. The DPoP header counts only because oidc-provider's refresh
 * grant validates the proof (signature, htm/htu, nonce, replay) before it asks this question and
 * fails the request on a bad one.
 */
export function shouldRotateRefreshToken(ctx: KoaContextWithOIDC): boolean {
  const { RefreshToken: token, Client: client } = ctx.oidc.entities as {
    RefreshToken: { isSenderConstrained(): boolean; ttlPercentagePassed(): number };
    Client: { clientAuthMethod: string; tlsClientCertificateBoundAccessTokens?: boolean };
  };
  if (!KEY_BOUND_CLIENT_AUTH.has(client.clientAuthMethod)) return true;
  const senderConstrained = token.isSenderConstrained() || Boolean(ctx.get('DPoP')) || client.tlsClientCertificateBoundAccessTokens === true;
  if (!senderConstrained) return true;
  return token.ttlPercentagePassed() >= 70;
}

/**
 * A session is saved (and its expiry pushed out) on every request that uses it, so expiring it
 * `idle` seconds after the last use is the idle logoff; it never outlives login + absolute.
 */
export function sessionTtl(config: Pick<AppConfig, 'ttl'>, loginTs: number | undefined, now = Date.now()): number {
  const idle = config.ttl.sessionIdle;
  if (!loginTs) return idle;
  const remaining = loginTs + config.ttl.sessionAbsolute - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}

/** Idle TTL, but never beyond the absolute end counted from the first issue of the family. */
export function refreshTokenTtl(config: Pick<AppConfig, 'ttl'>, initialIssuedAt: number | undefined, now = Date.now()): number {
  const idle = config.ttl.refreshTokenIdle;
  if (!initialIssuedAt) return idle;
  const remaining = initialIssuedAt + config.ttl.refreshTokenAbsolute - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}

/** The amr value an emergency (break-glass) sign-in carries: the session is short and never extended. */
export const AMR_EMERGENCY = 'emergency';

export function isEmergencyAmr(amr: unknown): boolean {
  return Array.isArray(amr) && amr.includes(AMR_EMERGENCY);
}

/** Rules: an emergency session ends breakGlass.sessionSeconds after its sign-in, whatever its use; never later than a normal one. */
export function emergencySessionTtl(config: Pick<AppConfig, 'ttl' | 'breakGlass'>, loginTs: number | undefined, now = Date.now()): number {
  if (!loginTs) return 1;
  const remaining = loginTs + config.breakGlass.sessionSeconds - Math.floor(now / 1000);
  return Math.max(1, Math.min(sessionTtl(config, loginTs, now), remaining));
}

/**
 * Rules: a token issued from an emergency sign-in (the code or refresh token being exchanged
 * carries amr `emergency`) never outlives the emergency session: its lifetime is the normal one
 * capped at what the session has left (at least 1 s, so the provider can still issue it).
 */
export function emergencyTokenTtl(
  config: Pick<AppConfig, 'ttl' | 'breakGlass'>,
  signIn: { amr?: unknown; authTime?: number } | undefined,
  normal: number,
  now = Date.now(),
): number {
  if (!signIn || !isEmergencyAmr(signIn.amr)) return normal;
  return Math.min(normal, emergencySessionTtl(config, signIn.authTime, now));
}

function emergencyCapped(config: Pick<AppConfig, 'ttl' | 'breakGlass'>, ctx: KoaContextWithOIDC | undefined, normal: number): number {
  return emergencyTokenTtl(config, signInOf(ctx), normal);
}

export interface SignIn {
  amr?: string[];
  accountId?: string;
  authTime?: number;
  clientId?: string;
  scope?: string;
}

/** The sign-in a token comes from is the code or refresh token being exchanged: only those carry amr and auth_time. */
export function signInOf(ctx: KoaContextWithOIDC | undefined): SignIn | undefined {
  const entities = (ctx?.oidc?.entities ?? {}) as { AuthorizationCode?: SignIn; RefreshToken?: SignIn };
  return entities.AuthorizationCode ?? entities.RefreshToken;
}
