/**
 * admin/ owns admin API authentication (bearer JWT access tokens for the admin audience),
 * role-based authorisation, the problem+json error surface, the shared conventions of every
 * admin route (zod validation, cursor pages, ETag/If-Match, Idempotency-Key) and the admin CLI.
 * It exports AdminAuthGuard, AdminTokenVerifier and what @AdminRoute / @Idempotent need;
 * each module mounts its own admin controllers under /admin/v1 with @AdminRoute.
 * It never lets a route through without a verified token and an explicit role rule.
 * This file is imported by the application root only (not through index.ts): it imports keys
 * and clients, which import index.ts for their own admin controllers.
 */
import { createHash } from 'node:crypto';
import { Global, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ClientsModule, ClientsService } from '../clients/index.js';
import { KeysModule, KeysService } from '../keys/index.js';
import {
  ADMIN_CERTIFICATE_SOURCE,
  ADMIN_CLIENT_DIRECTORY,
  ADMIN_KEY_SOURCE,
  ADMIN_TOKEN_STORE,
  ADMIN_USER_DIRECTORY,
  type AdminCertificateSource,
  type AdminUserDirectory,
} from './admin-ports.js';
import { HeldAccessTokens, OidcModule, parseCertificateHeader } from '../oidc/index.js';
import { trustedPeer } from '../hardening/index.js';
import { IdentityModule, IdentityService } from '../identity/index.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { ADMIN_RESOURCE, ADMIN_SCOPES, roleScope } from './admin-roles.js';
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

@Global()
@Module({
  imports: [KeysModule, ClientsModule, IdentityModule, OidcModule],
  controllers: [WhoAmIController],
  providers: [
    { provide: ADMIN_CLOCK, useValue: systemClock },
    { provide: ADMIN_KEY_SOURCE, useExisting: KeysService },
    { provide: ADMIN_CLIENT_DIRECTORY, useExisting: ClientsService },
    { provide: ADMIN_TOKEN_STORE, useExisting: HeldAccessTokens },
    {
      provide: ADMIN_USER_DIRECTORY,
      inject: [IdentityService],
      useFactory: (identity: IdentityService): AdminUserDirectory => ({
        activeRolesOf: async (userId) => (await identity.claims(userId))?.roles ?? null,
      }),
    },
    {
      // The client certificate as the TLS-terminating proxy passes it on, believed only from a trusted proxy (as at /token).
      provide: ADMIN_CERTIFICATE_SOURCE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): AdminCertificateSource => {
        const header = config.mtls.certificateHeader;
        const fromProxy = trustedPeer(config.trustedProxies);
        return {
          enabled: Boolean(header),
          thumbprintOf: (p) => {
            const value = header ? p.headers[header.toLowerCase()] : undefined;
            if (typeof value !== 'string' || !fromProxy(p.remoteAddress)) return undefined;
            const certificate = parseCertificateHeader(value);
            return certificate && createHash('sha256').update(certificate.raw).digest('base64url');
          },
        };
      },
    },
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
  ],
  exports: [AdminTokenVerifier, AdminAuthGuard, ProblemFilter, AdminValidationPipe, IdempotencyService, IdempotencyInterceptor],
})
export class AdminModule implements OnModuleInit {
  private readonly logger = new Logger(AdminModule.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly heldTokens: HeldAccessTokens,
  ) {}

  /** The admin API is a resource server like any other: tokens for it are JWTs with its audience. */
  async onModuleInit(): Promise<void> {
    // The admin API trusts no signature alone: every token for it is recorded when issued (#17).
    this.heldTokens.holdFor(ADMIN_RESOURCE);
    await this.clients.ensureResourceServer({
      identifier: ADMIN_RESOURCE,
      name: 'Caduceus admin API',
      scopes: ADMIN_SCOPES,
      accessTokenFormat: 'jwt',
      accessTokenTtl: 600,
    });
    if (this.config.bootstrapAdminClient) {
      const { clientId, clientSecret } = this.config.bootstrapAdminClient;
      const outcome = await this.clients.ensureBootstrapAdminClient(clientId, clientSecret, [roleScope('super-admin')]);
      if (outcome === 'created') this.logger.warn({ clientId }, 'created the bootstrap super-admin client');
    }
  }
}
