/**
 * admin/ owns admin API authentication (bearer JWT access tokens for the admin audience),
 * role-based authorisation, the problem+json error surface and the admin resource server.
 * It exports AdminAuthGuard, AdminTokenVerifier and the @AdminRoute decorator's dependencies;
 * each module mounts its own admin controllers under /admin/v1 with @AdminRoute.
 * It never lets a route through without a verified token and an explicit role rule.
 */
import { Global, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ClientsModule, ClientsService } from '../clients/index.js';
import { KeysModule } from '../keys/index.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { ADMIN_RESOURCE, ADMIN_SCOPES, roleScope } from './admin-roles.js';
import { WhoAmIController } from './whoami.admin.controller.js';
import { AdminTokenVerifier } from './admin-token.verifier.js';
import { ProblemFilter } from './problem.filter.js';

@Global()
@Module({
  imports: [KeysModule, ClientsModule],
  controllers: [WhoAmIController],
  providers: [AdminTokenVerifier, AdminAuthGuard, ProblemFilter],
  exports: [AdminTokenVerifier, AdminAuthGuard, ProblemFilter],
})
export class AdminModule implements OnModuleInit {
  private readonly logger = new Logger(AdminModule.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
  ) {}

  /** The admin API is a resource server like any other: tokens for it are JWTs with its audience. */
  async onModuleInit(): Promise<void> {
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
