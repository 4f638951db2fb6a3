import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import {
  ADMIN_CLIENT_DIRECTORY,
  ADMIN_KEY_SOURCE,
  ADMIN_USER_DIRECTORY,
  type AdminClientDirectory,
  type AdminKeySource,
  type AdminUserDirectory,
} from './admin-ports.js';
import { ADMIN_RESOURCE, rolesFromScope, type AdminRole } from './admin-roles.js';
import { AdminError, AdminErrorCode } from './admin.errors.js';

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
 * refused. A token issued to a person must show MFA in `amr`. The token's client must still be
 * registered and enabled: disabling or deleting an admin client ends its access at once, not
 * when its last token expires. A person's token carries only the admin roles the user holds
 * now (`admin:<role>` scope and the role in their account), and only while the user is active.
 */
@Injectable()
export class AdminTokenVerifier {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ADMIN_KEY_SOURCE) private readonly keys: AdminKeySource,
    @Inject(ADMIN_CLIENT_DIRECTORY) private readonly clients: AdminClientDirectory,
    @Inject(ADMIN_USER_DIRECTORY) private readonly users: AdminUserDirectory,
  ) {}

  async verify(authorization: string | undefined): Promise<AdminPrincipal> {
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'a bearer access token is required');
    let payload: JWTPayload;
    try {
      const jwks = createLocalJWKSet(await this.keys.publicJwks());
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.config.issuer,
        audience: ADMIN_RESOURCE,
        typ: 'at+jwt',
        algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
      }));
    } catch (cause) {
      throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the access token is not valid for the admin API', { cause });
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    if (!clientId || !payload.sub) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the access token has no subject');
    if (!(await this.clients.isClientActive(clientId))) {
      throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the client this token was issued to is disabled or deleted');
    }
    const kind = payload.sub === clientId ? 'client' : 'user';
    if (kind === 'user' && !(Array.isArray(payload.amr) && payload.amr.includes('mfa'))) {
      throw new AdminError(AdminErrorCode.MFA_REQUIRED, 'administrators must sign in with multi-factor authentication');
    }
    const roles = rolesFromScope(payload.scope);
    if (kind === 'client') return { kind, id: payload.sub, clientId, roles };
    // A person's admin scopes count only for roles they hold now: removing a role, or disabling
    // or deleting the user, ends that power at once, not when the token expires.
    const held = await this.users.activeRolesOf(payload.sub);
    if (!held) throw new AdminError(AdminErrorCode.UNAUTHENTICATED, 'the user this token was issued to is disabled or deleted');
    return { kind, id: payload.sub, clientId, roles: roles.filter((role) => held.includes(role)) };
  }
}
