import type { KoaContextWithOIDC } from 'oidc-provider';

/** Provider event emitted when introspection answers `active: false` to a caller not entitled to the token. */
export const INTROSPECTION_REFUSED = 'introspection.refused';

export interface IntrospectionCaller {
  clientId: string;
  clientAuthMethod?: string;
}

export interface IntrospectedToken {
  kind: string;
  /** For an opaque token its id is the bearer value: only its hash ever leaves this module. */
  jti?: string;
  clientId?: unknown;
  aud?: unknown;
}

export interface IntrospectionRefusal {
  callerClientId: string;
  kind: string;
  jti: string | null;
  tokenClientId: string | null;
}

/**
 * Rules (minimum necessary, RFC 7662 §4 lets the server decide): a token is described only to
 * the client it was issued to, or to a resource server in its audience, that is a confidential
 * client whose client_id is one of the token's `aud` values. Anyone else, and any public client
 * asking about another's token, learns `active: false`.
 */
export function introspectionAllowed(caller: IntrospectionCaller, token: IntrospectedToken): boolean {
  if (token.clientId === caller.clientId) return true;
  if (caller.clientAuthMethod === 'none') return false;
  const audiences = Array.isArray(token.aud) ? token.aud : token.aud === undefined ? [] : [token.aud];
  return audiences.includes(caller.clientId);
}

/** Tells the provider's event bridge (and so the audit trail) that a caller was refused. */
export function reportIntrospectionRefused(ctx: KoaContextWithOIDC, caller: IntrospectionCaller, token: IntrospectedToken): void {
  const refusal: IntrospectionRefusal = {
    callerClientId: caller.clientId,
    kind: token.kind,
    jti: token.jti ?? null,
    tokenClientId: typeof token.clientId === 'string' ? token.clientId : null,
  };
  (ctx.oidc.provider as unknown as NodeJS.EventEmitter).emit(INTROSPECTION_REFUSED, ctx, refusal);
}
