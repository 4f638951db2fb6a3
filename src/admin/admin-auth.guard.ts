import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isAuthorised, type AdminRole } from './admin-roles.js';
import { AdminTokenVerifier, type AdminPrincipal } from './admin-token.verifier.js';
import { AdminError, AdminErrorCode } from './admin.errors.js';

export const ADMIN_ROLES_KEY = 'caduceus:admin-roles';

export type AdminRequest = FastifyRequest & { admin?: AdminPrincipal };

/** Authenticates the bearer token, then checks the route's roles (403 when they are missing). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AdminTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const principal = await this.verifier
      .verify(request.headers.authorization, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        remoteAddress: request.socket?.remoteAddress,
      })
      .catch((err: unknown) => {
        // A genuine token refused for its sign-in (no second factor) is a 403 to a known caller: audited.
        if (err instanceof AdminError && err.refused) request.admin = { ...err.refused, roles: [] };
        throw err;
      });
    const required =
      this.reflector.getAllAndOverride<AdminRole[] | undefined>(ADMIN_ROLES_KEY, [context.getHandler(), context.getClass()]) ?? [];
    // Known before the role check, so a refusal is audited with who was refused (AdminRefusalAudit).
    request.admin = principal;
    if (!isAuthorised(principal.roles, required)) {
      throw new AdminError(AdminErrorCode.FORBIDDEN, `this action needs one of the roles: ${['super-admin', ...required].join(', ')}`);
    }
    return true;
  }
}
