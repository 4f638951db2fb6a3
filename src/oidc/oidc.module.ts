/**
 * oidc/ is the only module that touches oidc-provider: the provider factory, the database
 * adapter for its artifacts, the protocol event bridge and the expiry cleanup job.
 * It exports OidcService (whose callback the HTTP layer mounts) and emits oidc.* events.
 * It never reads another module's tables: clients and keys come through their services.
 * What it asks of modules above it (consent, break-glass, compliance, federation) it asks
 * through the ports of oidc.ports.ts, which the composition root binds (src/app/oidc-ports.module.ts).
 */
import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/index.js';
import { KeysModule } from '../keys/index.js';
import { IdentityModule } from '../identity/index.js';
import { PoliciesModule } from '../policies/index.js';
import { OutboundModule } from '../outbound/index.js';
import { OidcArtifactRepository } from './oidc-artifact.repository.js';
import { OidcCleanupJob } from './oidc-cleanup.job.js';
import { OidcService } from './oidc.service.js';
import { AccountRevocationListener } from './account-revocation.listener.js';
import { SessionsService } from './sessions.service.js';
import { HeldAccessTokens } from './held-access-tokens.js';
import { SessionsAdminController, UserSessionsAdminController } from './sessions.admin.controller.js';
import { OidcPorts } from './oidc.ports.js';
import { ProviderGrants } from './provider-grants.js';

@Module({
  imports: [ClientsModule, KeysModule, IdentityModule, PoliciesModule, OutboundModule],
  controllers: [SessionsAdminController, UserSessionsAdminController],
  providers: [OidcArtifactRepository, OidcService, OidcCleanupJob, AccountRevocationListener, SessionsService, HeldAccessTokens, OidcPorts, ProviderGrants],
  exports: [OidcService, SessionsService, HeldAccessTokens, ProviderGrants],
})
export class OidcModule {}
