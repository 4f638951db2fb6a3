/**
 * federation/ owns sign-in brokered to the hospital's own OpenID Providers: their admin API
 * (/admin/v1/identity-providers), the upstream redirect and callback (openid-client's passport
 * strategy), JIT provisioning and account links keyed by (IdP, upstream sub).
 * It exports FederationBroker (for the sign-in dispatcher) and emits federation.* events.
 * It never finishes an interaction or decides about MFA itself (auth/ does), and never links by email alone.
 * It ends local sessions on an upstream logout through its port (federation-ports.ts, bound in src/app/).
 */
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { OutboundModule } from '../outbound/index.js';
import { FederationBroker } from './federation-broker.service.js';
import { FederationController } from './federation.controller.js';
import { FederationRepository } from './federation.repository.js';
import { FederationAuthGuard, FederationStrategy } from './federation.strategy.js';
import { IdentityProvidersAdminController } from './identity-providers.admin.controller.js';
import { IdentityProvidersService } from './identity-providers.service.js';
import { UpstreamClients } from './upstream-clients.js';
import { UpstreamLogout } from './upstream-logout.js';

@Module({
  imports: [PassportModule, IdentityModule, KeysModule, OutboundModule],
  controllers: [FederationController, IdentityProvidersAdminController],
  providers: [FederationRepository, IdentityProvidersService, UpstreamClients, FederationBroker, UpstreamLogout, FederationStrategy, FederationAuthGuard],
  exports: [FederationBroker, UpstreamLogout],
})
export class FederationModule {}
