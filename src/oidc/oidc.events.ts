/**
 * Protocol events bridged from oidc-provider onto the bus. Payloads never carry a token,
 * code or secret value: an opaque token's id *is* the bearer value.
 */
export type TokenKind = 'AccessToken' | 'ClientCredentials' | 'RefreshToken' | 'AuthorizationCode';

export interface OidcEvents {
  'oidc.token.issued': {
    kind: TokenKind;
    format: 'opaque' | 'jwt';
    clientId: string;
    accountId: string | null;
    grantId: string | null;
    audience: string | null;
    scope: string | null;
    expiresAt: string | null;
  };
  'oidc.token.revoked': { kind: TokenKind; clientId: string; accountId: string | null; grantId: string | null };
  'oidc.grant.failed': { endpoint: string; clientId: string | null; error: string; description: string | null };
}
