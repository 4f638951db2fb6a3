import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutClaims {
  sub?: string;
  sid?: string;
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * Validates an upstream logout token per OpenID Connect Back-Channel Logout 1.0 §2.6: a JWT
 * signed with the upstream's key (asymmetric algorithms only), `iss` the IdP, `aud` our client
 * id, `iat` recent, a `jti`, the back-channel logout event, `sub` and/or `sid`, and no `nonce`
 * (so an ID token can never be replayed as a logout token). Throws when any rule fails.
 */
export async function verifyLogoutToken(
  token: string,
  idp: { issuer: string; clientId: string },
  jwksUri: string,
  fetchImpl: typeof globalThis.fetch,
): Promise<LogoutClaims> {
  let jwks = jwksCache.get(jwksUri);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: fetchImpl as never });
    jwksCache.set(jwksUri, jwks);
  }
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: idp.issuer,
    audience: idp.clientId,
    algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'RS384', 'RS512', 'PS384', 'PS512', 'EdDSA', 'Ed25519'],
    maxTokenAge: '5m',
    requiredClaims: ['iat', 'jti'],
  });
  if (protectedHeader.typ !== undefined && protectedHeader.typ.toLowerCase().replace(/^application\//, '') !== 'logout+jwt') {
    throw new Error('logout token has the wrong typ');
  }
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw new Error('logout token without the back-channel logout event');
  if ('nonce' in payload) throw new Error('logout token carries a nonce');
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
  if (!sub && !sid) throw new Error('logout token names neither sub nor sid');
  return { sub, sid };
}
