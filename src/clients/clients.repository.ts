import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import { ClientEntity } from './entities/client.entity.js';
import { ResourceServerEntity } from './entities/resource-server.entity.js';

export interface StoredClient {
  clientId: string;
  name: string;
  secretHash: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
}

export interface StoredResourceServer {
  identifier: string;
  name: string;
  audience: string;
  scopes: string[];
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenTtl: number | null;
  signingAlg: string;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class ClientsRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get clients() {
    return this.db.dataSource.getRepository(ClientEntity);
  }

  private get resources() {
    return this.db.dataSource.getRepository(ResourceServerEntity);
  }

  async findClient(clientId: string): Promise<StoredClient | null> {
    return this.clients.findOne({
      where: { clientId },
      select: { clientId: true, name: true, secretHash: true, metadata: true, enabled: true },
    });
  }

  async insertClient(client: StoredClient): Promise<void> {
    const now = new Date();
    try {
      await this.clients.insert({ ...client, metadata: client.metadata as Record<string, any>, createdAt: now, updatedAt: now });
    } catch (cause) {
      if ((cause as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new ClientsError(ClientsErrorCode.CLIENT_ALREADY_EXISTS, `client ${client.clientId} already exists`, { cause });
      }
      throw cause;
    }
  }

  async findResourceServer(identifier: string): Promise<StoredResourceServer | null> {
    return this.resources.findOne({
      where: { identifier },
      select: { identifier: true, name: true, audience: true, scopes: true, accessTokenFormat: true, accessTokenTtl: true, signingAlg: true },
    });
  }

  async insertResourceServer(resource: StoredResourceServer): Promise<void> {
    try {
      await this.resources.insert({ ...resource, createdAt: new Date() });
    } catch (cause) {
      if ((cause as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new ClientsError(ClientsErrorCode.RESOURCE_SERVER_ALREADY_EXISTS, `resource server ${resource.identifier} already exists`, {
          cause,
        });
      }
      throw cause;
    }
  }
}
