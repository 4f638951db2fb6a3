import { applyDecorators, Header, SetMetadata, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiHeader } from '@nestjs/swagger';
import { ADMIN_ROLES_KEY, AdminAuthGuard } from './admin-auth.guard.js';
import type { AdminRole } from './admin-roles.js';
import { ApiProblems } from './admin-openapi.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { ProblemFilter } from './problem.filter.js';
import { AdminValidationPipe } from './validation.pipe.js';

/**
 * Marks an admin route (or controller) and the roles that may call it, besides super-admin.
 * Bearer authentication, role check, problem+json errors, `Cache-Control: no-store`, zod
 * validation of every parameter that carries a schema (`@Body({ schema })` ...), and the
 * roles in the OpenAPI document (`x-required-roles`) all come from this one decorator.
 */
export function AdminRoute(...roles: AdminRole[]) {
  return applyDecorators(
    SetMetadata(ADMIN_ROLES_KEY, roles),
    UseGuards(AdminAuthGuard),
    UseFilters(ProblemFilter),
    UsePipes(AdminValidationPipe),
    Header('Cache-Control', 'no-store'),
    ApiBearerAuth(),
    ApiExtension('x-required-roles', ['super-admin', ...roles]),
    ApiProblems(401, 403),
  );
}

/**
 * Honours `Idempotency-Key` on a create (use with @AdminRoute): a retry with the same key and
 * the same request returns the first response and creates nothing; the same key with another
 * request is a 422. Keys are per principal and remembered for 24 hours.
 */
export function Idempotent() {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'a unique value per intended create (a UUID); retries with the same key and body return the first response',
    }),
    ApiProblems(409, 422),
  );
}
