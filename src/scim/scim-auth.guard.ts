import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminError, AdminErrorCode, AdminTokenVerifier, type AdminPrincipal } from '../admin/index.js';
import type { EventActor } from '../events/index.js';

export type ScimRequest = FastifyRequest & { provisioner?: AdminPrincipal };

/**
 * Rules: a SCIM request carries an admin API access token (verified exactly as the admin API
 * verifies one: this issuer, live client) of a client, never of a person, whose scope holds
 * `admin:provisioning`; no other admin role (super-admin included) opens /scim/v2, so every
 * SCIM change is the provisioning client's and is audited as it.
 */
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(private readonly verifier: AdminTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ScimRequest>();
    const principal = await this.verifier.verify(request.headers.authorization, {
      method: request.method,
      url: request.url,
      headers: request.headers,
      remoteAddress: request.socket?.remoteAddress,
    });
    if (principal.kind !== 'client' || !principal.roles.includes('provisioning')) {
      throw new AdminError(AdminErrorCode.FORBIDDEN, 'SCIM needs the access token of a provisioning client (scope admin:provisioning)');
    }
    request.provisioner = principal;
    return true;
  }
}

/** The provisioning client as the actor of the events a SCIM request causes. */
export function scimActor(request: ScimRequest): { actor: EventActor; correlationId: string } {
  if (!request.provisioner) throw new Error('scimActor on a route without ScimAuthGuard');
  return { actor: { type: 'client', id: request.provisioner.clientId }, correlationId: String(request.id) };
}
