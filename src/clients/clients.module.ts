/**
 * clients/ owns the registry of downstream apps (OIDC clients) and of resource servers
 * (APIs that tokens are issued for), and their admin API (/admin/v1/clients).
 * It exports ClientsService and ClientManagementService and emits client.* and
 * resource_server.* events. It never stores a client secret in clear or returns one twice,
 * and never reads the OIDC artifacts: revoking a client's tokens is oidc's reaction to its events.
 */
import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/index.js';
import { PoliciesModule } from '../policies/index.js';
import { ClientManagementService } from './client-management.service.js';
import { ClientsAdminController } from './clients.admin.controller.js';
import { ClientsRepository } from './clients.repository.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [KeysModule, PoliciesModule],
  controllers: [ClientsAdminController],
  providers: [ClientsRepository, ClientsService, ClientManagementService],
  exports: [ClientsService, ClientManagementService],
})
export class ClientsModule {}
