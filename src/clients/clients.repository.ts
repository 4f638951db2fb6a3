import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import type { MfaPolicy } from './clients.schemas.js';
import { ResourceServerEntity } from './entities/resource-server.entity.js';

export interface StoredClient {
  clientId: string;
  name: string;
  secretHash: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
  mfaPolicy: MfaPolicy;
  version: number;
  secretUpdatedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewStoredClient = Pick<StoredClient, 'clientId' | 'name' | 'secretHash' | 'metadata' | 'enabled' | 'mfaPolicy'>;

/** What an update may change; `version` and `updated_at` follow by themselves. */
export type ClientChanges = Partial<
  Pick<StoredClient, 'name' | 'secretHash' | 'metadata' | 'enabled' | 'mfaPolicy' | 'secretUpdatedAt' | 'deletedAt'>
>;

/** Keyset position in the admin listing: creation time (microseconds, as text) then id. */
export interface ClientListPosition {
  createdAt: string;
  clientId: string;
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
const COLUMNS = `client_id, name, secret_hash, metadata, enabled, mfa_policy, version, secret_updated_at, deleted_at, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_created_at`;
const CHANGE_COLUMNS: Record<keyof ClientChanges, string> = {
  name: 'name',
  secretHash: 'secret_hash',
  metadata: 'metadata',
  enabled: 'enabled',
  mfaPolicy: 'mfa_policy',
  secretUpdatedAt: 'secret_updated_at',
  deletedAt: 'deleted_at',
};

type Row = {
  client_id: string;
  name: string;
  secret_hash: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
  mfa_policy: MfaPolicy;
  version: number;
  secret_updated_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  position_created_at: string;
};

/** Clients and resource servers. Plain SQL for clients: every statement is one indexed query. */
@Injectable()
export class ClientsRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private resources(tx?: Transaction) {
    return managerFor(this.db, tx).getRepository(ResourceServerEntity);
  }

  /** The client, deleted ones included (their ids stay reserved); callers decide what a tombstone means. */
  async findClient(clientId: string, tx?: Transaction): Promise<StoredClient | null> {
    const rows: Row[] = await managerFor(this.db, tx).query(`SELECT ${COLUMNS} FROM clients WHERE client_id = $1`, [clientId]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  async insertClient(client: NewStoredClient, now: Date, tx?: Transaction): Promise<StoredClient> {
    try {
      const rows: Row[] = await managerFor(this.db, tx).query(
        `INSERT INTO clients (client_id, name, secret_hash, metadata, enabled, mfa_policy, version, secret_updated_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)
         RETURNING ${COLUMNS}`,
        [
          client.clientId,
          client.name,
          client.secretHash,
          JSON.stringify(client.metadata),
          client.enabled,
          client.mfaPolicy,
          client.secretHash ? now : null,
          now,
        ],
      );
      return toStored(rows[0]!);
    } catch (cause) {
      if ((cause as { code?: string; driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new ClientsError(ClientsErrorCode.CLIENT_ALREADY_EXISTS, `client ${client.clientId} already exists or existed`, { cause });
      }
      throw cause;
    }
  }

  /** A page of live clients in creation order, after `after`, optionally by a case-insensitive name fragment. */
  async listClients(opts: {
    limit: number;
    after?: ClientListPosition;
    nameContains?: string;
  }): Promise<Array<StoredClient & { position: ClientListPosition }>> {
    const where = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    if (opts.after) {
      params.push(opts.after.createdAt, opts.after.clientId);
      where.push(`(created_at, client_id) > ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    if (opts.nameContains) {
      params.push(`%${opts.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`name ILIKE $${params.length}`);
    }
    params.push(opts.limit);
    const rows: Row[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM clients WHERE ${where.join(' AND ')} ORDER BY created_at, client_id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ ...toStored(r), position: { createdAt: r.position_created_at, clientId: r.client_id } }));
  }

  /**
   * Compare-and-swap: applies the changes to a live client only if its version is one of
   * `expectedVersions` (any version when undefined), bumping the version. Null when no row
   * matched: the client does not exist, is deleted, or changed in between (the caller tells which).
   */
  async updateClient(
    clientId: string,
    expectedVersions: number[] | undefined,
    changes: ClientChanges,
    now: Date,
    tx?: Transaction,
    opts: { includeDeleted?: boolean } = {},
  ): Promise<StoredClient | null> {
    const params: unknown[] = [clientId, now];
    const sets = ['version = version + 1', 'updated_at = $2'];
    for (const [key, value] of Object.entries(changes) as Array<[keyof ClientChanges, unknown]>) {
      if (value === undefined) continue;
      params.push(key === 'metadata' ? JSON.stringify(value) : value);
      sets.push(`${CHANGE_COLUMNS[key]} = $${params.length}`);
    }
    let condition = opts.includeDeleted ? 'client_id = $1' : 'client_id = $1 AND deleted_at IS NULL';
    if (expectedVersions) {
      params.push(expectedVersions);
      condition += ` AND version = ANY($${params.length}::integer[])`;
    }
    const result: [Row[], number] = await managerFor(this.db, tx).query(
      `UPDATE clients SET ${sets.join(', ')} WHERE ${condition} RETURNING ${COLUMNS}`,
      params,
    );
    const rows = Array.isArray(result[0]) ? result[0] : (result as unknown as Row[]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  /** Enabled, live clients whose scope ceiling holds `scope` (e.g. admin:super-admin). */
  async liveClientsWithResourceScope(scope: string): Promise<StoredClient[]> {
    const rows: Row[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM clients WHERE deleted_at IS NULL AND enabled AND metadata->'resource_scopes' ? $1 ORDER BY client_id`,
      [scope],
    );
    return rows.map(toStored);
  }

  async countLiveClients(): Promise<number> {
    const rows: Array<{ n: string }> = await this.db.dataSource.query(`SELECT count(*) AS n FROM clients WHERE deleted_at IS NULL`);
    return Number(rows[0]?.n ?? 0);
  }

  async findResourceServer(identifier: string): Promise<StoredResourceServer | null> {
    return this.resources().findOne({
      where: { identifier },
      select: { identifier: true, name: true, audience: true, scopes: true, accessTokenFormat: true, accessTokenTtl: true, signingAlg: true },
    });
  }

  async insertResourceServer(resource: StoredResourceServer, tx?: Transaction): Promise<void> {
    try {
      await this.resources(tx).insert({ ...resource, createdAt: new Date() });
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

function toStored(r: Row): StoredClient {
  return {
    clientId: r.client_id,
    name: r.name,
    secretHash: r.secret_hash,
    metadata: r.metadata,
    enabled: r.enabled,
    mfaPolicy: r.mfa_policy,
    version: r.version,
    secretUpdatedAt: r.secret_updated_at,
    deletedAt: r.deleted_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
