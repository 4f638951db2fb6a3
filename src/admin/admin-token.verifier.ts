import { Inject, Injectable, Optional } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import {
  ADMIN_CERTIFICATE_SOURCE,
  ADMIN_CLIENT_DIRECTORY,
  ADMIN_KEY_SOURCE,
  ADMIN_TOKEN_STORE,
  ADMIN_USER_DIRECTORY,
  type AdminCertificateSource,
  type AdminClientDirectory,
  type AdminPresentation,
  type AdminKeySource,
  type AdminTokenStore,
  type AdminUserDirectory,
} from './admin-ports.js';
import { ADMIN_RESOURCE, rolesFromScope, type AdminRole } from './admin-roles.js';
import { AdminError, AdminErrorCode, dpopRefusal } from './admin.errors.js';
import { DPOP_IAT_WINDOW_SECONDS, dpopProofJti, senderConstraintFailure } from './sender-constraint.js';

export interface AdminPrincipal {
  /** `client` for client-credentials tokens, `user` for tokens issued to a person. */
  kind: 'client' | 'user';
  id: string;
  clientId: string;
  roles: AdminRole[];
}

/**
 * Rules: an RFC 9068 JWT access token (`typ: at+jwt`) from this issuer, for the admin audience,
 * signed by a currently published key and unexpired; ID tokens and tokens for other APIs are
 * refused. A signature proves nothing on its own (whoever imports a key can sign): the token
 * counts only while this service holds the record it made when it issued it (by `jti`), with
 * exactly the claims presented; a token it never issued, or has revoked, is refused.
 * Authority is read from live state on every request: a client's roles are the token's admin
 * scopes that the client is registered for now, and only while it is enabled and not deleted;
 * a person's, the token's admin scopes for roles they hold now, while they are active, and
 * only with MFA in `amr`. A sender-constrained token (`cnf`) counts only with its proof: a
 * DPoP-bound one under the DPoP scheme with a valid proof for its key, a certificate-bound one
 * over its certificate (see senderConstraintFailure).
 */
@Injectable()
export class AdminTokenVerifier {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ADMIN_KEY_SOURCE) private readonly keys: AdminKeySource,
    @Inject(ADMIN_CLIENT_DIRECTORY) private readonly clients: AdminClientDirectory,
    @Inject(ADMIN_USER_DIRECTORY) private readonly users: AdminUserDirectory,
    @Inject(ADMIN_TOKEN_STORE) private readonly tokens: AdminTokenStore,
    @Optional() @Inject(ADMIN_CERTIFICATE_SOURCE) private readonly certificates?: AdminCertificateSource,
  ) {}

  async verify(authorization: string | undefined, presentation?: AdminPresentation): Promise<AdminPrincipal> {
    const presented = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
    const token = presented?.[2];
    if (!token) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'a bearer access token is required');
    const scheme = presented![1]!.toLowerCase() === 'dpop' ? 'dpop' : 'bearer';
    let payload: JWTPayload;
    // Outside the try: a database that cannot answer is an outage (503), not a bad token (401).
    const jwks = createLocalJWKSet(await this.keys.publicJwks());
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.config.issuer,
        audience: ADMIN_RESOURCE,
        typ: 'at+jwt',
        algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      }));
    } catch (cause) {
      throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the access token is not valid for the admin API', { cause });
    }
    const held = typeof payload.jti === 'string' ? await this.tokens.heldClaims(payload.jti) : undefined;
    if (!held || !sameClaims(held, payload)) {
      throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the access token was not issued by this service, or has been revoked');
    }
    const unbound = await senderConstraintFailure(scheme, token, held.cnf, presentation, new URL(this.config.issuer).origin, this.certificates);
    if (unbound) {
      const bound = Boolean(held.cnf && typeof (held.cnf as Record<string, unknown>).jkt === 'string');
      // RFC 9449 §7.1: a proof that does not hold is invalid_dpop_proof; a DPoP-bound token shown as Bearer (or an unbound one as DPoP) is invalid_token.
      if (bound && scheme === 'dpop' && /DPoP proof/.test(unbound)) throw dpopRefusal(unbound, 'invalid_dpop_proof');
      if (bound || scheme === 'dpop') throw dpopRefusal(unbound, 'invalid_token');
      throw new AdminError(AdminErrorCode.UNAUTHENTICATED, unbound);
    }
    if (scheme === 'dpop') {
      // A proof is good for one request: one seen before (on any instance) within its window is a replay.
      const jkt = String((held.cnf as Record<string, unknown>).jkt);
      const proofJti = dpopProofJti(presentation)!;
      if (!(await this.tokens.firstUseOfProof(jkt, proofJti, 2 * DPOP_IAT_WINDOW_SECONDS))) {
        throw dpopRefusal('this DPoP proof was used before: make a new one for every request', 'invalid_dpop_proof');
      }
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    if (!clientId || !payload.sub) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the access token has no subject');
    const registered = await this.clients.liveResourceScopesOf(clientId);
    if (!registered) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the client this token was issued to is disabled or deleted');
    const kind = payload.sub === clientId ? 'client' : 'user';
    if (kind === 'user' && !(Array.isArray(payload.amr) && payload.amr.includes('mfa'))) {
      const refusal = new AdminError(AdminErrorCode.MFA_REQUIRED, 'administrators must sign in with multi-factor authentication');
      refusal.refused = { kind, id: payload.sub, clientId };
      throw refusal;
    }
    const roles = rolesFromScope(payload.scope);
    if (kind === 'client') {
      // Removing an admin scope from the client's registration ends that power at the next request.
      const current = rolesFromScope(registered.join(' '));
      return { kind, id: payload.sub, clientId, roles: roles.filter((role) => current.includes(role)) };
    }
    // A person's admin scopes count only for roles they hold now: removing a role, or disabling
    // or deleting the user, ends that power at once, not when the token expires.
    const holds = await this.users.activeRolesOf(payload.sub);
    if (!holds) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the user this token was issued to is disabled or deleted');
    return { kind, id: payload.sub, clientId, roles: roles.filter((role) => holds.includes(role)) };
  }
}

/** Whether two claim sets are the same JSON values, whatever the order of their members. */
export function sameClaims(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
