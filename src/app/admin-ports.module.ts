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
} from '../admin/admin-ports.js';
import { ADMIN_RESOURCE, ADMIN_SCOPES, PROBLEM_MAPPINGS, roleScope, type ProblemMapping } from '../admin/index.js';
import { approvalsProblems } from '../approvals/approvals.admin.controller.js';
import { auditProblems } from '../audit/audit.admin.controller.js';
import { breakGlassProblems } from '../breakglass/breakglass.admin.controller.js';
import { clientsProblems } from '../clients/clients.admin.controller.js';
import { consentProblems } from '../consent/consent.admin.controller.js';
import { federationProblems } from '../federation/identity-providers.admin.controller.js';
import { identityProblems } from '../identity/identity.admin.controller.js';
import { keysProblems } from '../keys/keys.admin.controller.js';
import { policiesProblems } from '../policies/policies.admin.controller.js';
import { webhooksProblems } from '../webhooks/webhooks.admin.controller.js';
import { HeldAccessTokens, OidcModule, parseCertificateHeader } from '../oidc/index.js';
import { trustedPeer } from '../hardening/index.js';
import { IdentityModule, IdentityService } from '../identity/index.js';

/** How each module's errors read on the admin surface (ProblemFilter), in the order the filter tries them. */
const problemMappings: readonly ProblemMapping[] = [
  keysProblems,
  clientsProblems,
  identityProblems,
  auditProblems,
  policiesProblems,
  consentProblems,
  webhooksProblems,
  breakGlassProblems,
  federationProblems,
  approvalsProblems,
];

/**
 * Binds the ports admin/ declares (admin/admin-ports.ts) to keys/, clients/, identity/ and
 * oidc/, hands ProblemFilter each module's problem mapping, and registers the admin API as a
 * resource server. Global, so AdminModule's providers see the tokens without admin/ importing
 * any of these modules.
 */
@Global()
@Module({
  imports: [KeysModule, ClientsModule, IdentityModule, OidcModule],
  providers: [
    { provide: PROBLEM_MAPPINGS, useValue: problemMappings },
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
  ],
  exports: [PROBLEM_MAPPINGS, ADMIN_KEY_SOURCE, ADMIN_CLIENT_DIRECTORY, ADMIN_TOKEN_STORE, ADMIN_USER_DIRECTORY, ADMIN_CERTIFICATE_SOURCE],
})
export class AdminPortsModule implements OnModuleInit {
  private readonly logger = new Logger('AdminModule');

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
