/**
 * admin/ owns admin API authentication (bearer JWT access tokens for the admin audience),
 * role-based authorisation, the problem+json error surface, the shared conventions of every
 * admin route (zod validation, cursor pages, ETag/If-Match, Idempotency-Key) and the admin CLI.
 * It exports AdminAuthGuard, AdminTokenVerifier and what @AdminRoute / @Idempotent need;
 * each module mounts its own admin controllers under /admin/v1 with @AdminRoute.
 * It never lets a route through without a verified token and an explicit role rule.
 * It imports no domain module: what it needs from keys, clients, identity and oidc it asks
 * through the ports of admin-ports.ts, bound by the composition root (src/app/admin-ports.module.ts).
 */
import { Global, Module } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { WhoAmIController } from './whoami.admin.controller.js';
import { AdminTokenVerifier } from './admin-token.verifier.js';
import { ProblemFilter } from './problem.filter.js';
import { AdminValidationPipe } from './validation.pipe.js';
import { ADMIN_CLOCK, systemClock } from './clock.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyCleanupJob } from './idempotency-cleanup.job.js';
import { AdminHttpHooks } from './admin-http.hooks.js';
import { AdminIpAllowlistHook } from './admin-ip-allowlist.js';
import { AdminRefusalAudit } from './admin-refusal-audit.js';

@Global()
@Module({
  controllers: [WhoAmIController],
  providers: [
    { provide: ADMIN_CLOCK, useValue: systemClock },
    AdminTokenVerifier,
    AdminAuthGuard,
    ProblemFilter,
    AdminValidationPipe,
    IdempotencyRepository,
    IdempotencyService,
    IdempotencyInterceptor,
    IdempotencyCleanupJob,
    AdminHttpHooks,
    AdminIpAllowlistHook,
    AdminRefusalAudit,
  ],
  exports: [AdminTokenVerifier, AdminAuthGuard, ProblemFilter, AdminValidationPipe, IdempotencyService, IdempotencyInterceptor],
})
export class AdminModule {}
