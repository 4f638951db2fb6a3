import { applyDecorators, Header, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ADMIN_ROLES_KEY, AdminAuthGuard } from './admin-auth.guard.js';
import type { AdminRole } from './admin-roles.js';
import { ProblemFilter } from './problem.filter.js';

/**
 * Marks an admin route (or controller) and the roles that may call it, besides super-admin.
 * Bearer authentication, role check, problem+json errors, `Cache-Control: no-store`, and the
 * roles in the OpenAPI document (`x-required-roles`) all come from this one decorator.
 */
export function AdminRoute(...roles: AdminRole[]) {
  return applyDecorators(
    SetMetadata(ADMIN_ROLES_KEY, roles),
    UseGuards(AdminAuthGuard),
    UseFilters(ProblemFilter),
    Header('Cache-Control', 'no-store'),
    ApiBearerAuth(),
    ApiExtension('x-required-roles', ['super-admin', ...roles]),
    ApiUnauthorizedResponse({ description: 'missing or invalid bearer token (problem+json)' }),
    ApiForbiddenResponse({ description: 'the token lacks a required role (problem+json)' }),
  );
}
