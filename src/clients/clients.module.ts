/**
 * clients/ owns the registry of downstream apps (OIDC clients) and of resource servers
 * (APIs that tokens are issued for). It exports ClientsService and emits client.* and
 * resource_server.* events. It never stores a client secret in clear or returns one twice.
 */
import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/index.js';
import { ClientsRepository } from './clients.repository.js';
import { ClientsService } from './clients.service.js';

@Module({
  imports: [KeysModule],
  providers: [ClientsRepository, ClientsService],
  exports: [ClientsService],
})
export class ClientsModule {}
