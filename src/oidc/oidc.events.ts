/**
 * Protocol events bridged from oidc-provider onto the bus. Payloads never carry a token,
 * code or secret value: an opaque token's id *is* the bearer value.
 */
export type TokenKind = 'AccessToken' | 'ClientCredentials' | 'RefreshToken' | 'AuthorizationCode';

export interface OidcEvents {
  'oidc.token.issued': {
    kind: TokenKind;
    format: 'opaque' | 'jwt';
    /** SHA-256 (base64url) of the token id (`jti`): finds a token's records without storing the token. */
    tokenRef: string | null;
    clientId: string;
    accountId: string | null;
    grantId: string | null;
    audience: string | null;
    scope: string | null;
    expiresAt: string | null;
  };
  'oidc.token.revoked': { kind: TokenKind; tokenRef: string | null; clientId: string; accountId: string | null; grantId: string | null };
  /** A signed-in session ended by RP-initiated logout (end_session confirmed). */
  'auth.logout': { accountId: string | null; sessionUid: string | null; clientId: string | null };
  /** A signed-in session ran out (idle logoff or absolute end), found by the cleanup job. */
  'auth.session.expired': { sessionUid: string; accountId: string };
  /**
   * Introspection answered `active: false` to a caller (`callerClientId`) that is neither the
   * token's client (`tokenClientId`) nor a resource server in its audience (minimum necessary).
   */
  'oidc.introspection.refused': { callerClientId: string; kind: string; tokenRef: string | null; tokenClientId: string | null };
  'oidc.grant.failed': { endpoint: string; clientId: string | null; error: string; description: string | null };
  /**
   * A client with an IP allow-list called the token endpoint family (`endpoint`: the route) from
   * an address outside it (`ip`; null when none could be resolved; `reason: outside_ranges`), or
   * from any address while TRUST_PROXY is a count or `true`, under which the address may be the
   * caller's own choice (`reason: address_unverifiable`), and was refused with invalid_client.
   * `clientId` is the client the request named: refused before its credentials are checked.
   */
  'oidc.client.ip_refused': { clientId: string; ip: string | null; endpoint: string; reason: 'outside_ranges' | 'address_unverifiable' };
  /** An administrator ended a signed-in session (`reason: user` when all of a user's sessions were ended at once). */
  'session.revoked': { sessionUid: string; accountId: string; clientIds: string[]; reason: 'session' | 'user' };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends OidcEvents {}
}
