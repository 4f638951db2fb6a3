import { Injectable } from '@nestjs/common';
import { UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { dropOrphanedEnc } from './client-encryption.js';
import { fromProviderMetadata, toProviderMetadata } from './client-metadata.js';
import { changedFields, snapshotOf, toClientRecord, type ClientRecord } from './client-record.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import { ClientsRepository, type ClientChanges, type ClientListPosition, type StoredClient } from './clients.repository.js';
import {
  clientRegistrationSchema,
  effectiveAuthMethod,
  isReservedClientId,
  SECRET_AUTH_METHODS,
  type ClientRegistration,
  type ClientUpdate,
} from './clients.schemas.js';
import { ClientsService, parse } from './clients.service.js';

export interface ClientAction {
  actor: EventActor;
  correlationId?: string;
  /** Versions the caller read (If-Match); undefined means whatever is current. */
  expectedVersions?: number[];
  /**
   * Called with the current client (and, for an update, the registration it would become)
   * before anything changes; throws to refuse. Lets the admin surface apply its role rules
   * to the very state being changed.
   */
  authorize?: (current: ClientRecord, next?: ClientRegistration) => void;
}

export interface ClientListQuery {
  limit: number;
  after?: ClientListPosition;
  nameContains?: string;
}

/**
 * The lifecycle of a registered client after its creation: read, list, update, rotate the
 * secret, disable, enable, delete. Every change is a compare-and-swap on the client's version
 * and publishes its event with the actor in the same unit of work, so the change, its audit
 * record and its listeners' reactions (token revocation) commit or roll back together; none
 * ever returns or emits a stored secret hash.
 */
@Injectable()
export class ClientManagementService {
  constructor(
    private readonly repo: ClientsRepository,
    private readonly clients: ClientsService,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {}

  async get(clientId: string): Promise<ClientRecord> {
    return toClientRecord(await this.live(clientId));
  }

  /** Up to `limit` clients after the position; fetch limit + 1 to learn whether more follow. */
  async list(query: ClientListQuery): Promise<Array<{ client: ClientRecord; position: ClientListPosition }>> {
    const rows = await this.repo.listClients(query);
    return rows.map((row) => ({ client: toClientRecord(row), position: row.position }));
  }

  /**
   * Rules: the merged registration passes every registration rule again; a client may move from
   * a secret to private_key_jwt (its secret is then discarded) but never back, which needs a new
   * client (a secret would have to be issued outside this update); unchanged input writes nothing.
   */
  async update(clientId: string, patch: ClientUpdate, action: ClientAction): Promise<ClientRecord> {
    const current = await this.live(clientId);
    this.checkVersion(current, action.expectedVersions);
    const next = parse(
      clientRegistrationSchema,
      merge(fromProviderMetadata(current.clientId, current.name, current.mfaPolicy, current.metadata), patch),
      ClientsErrorCode.INVALID_CLIENT_METADATA,
    );
    action.authorize?.(toClientRecord(current), next);
    this.clients.assertSigningAlg('idTokenSignedResponseAlg', next.idTokenSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    if (next.userinfoSignedResponseAlg) this.clients.assertSigningAlg('userinfoSignedResponseAlg', next.userinfoSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    const usesSecret = SECRET_AUTH_METHODS.has(effectiveAuthMethod(next));
    if (usesSecret && !current.secretHash) {
      const message = 'a client without a secret cannot switch to a secret method; register a new client';
      throw new ClientsError(ClientsErrorCode.INVALID_CLIENT_METADATA, message, { fields: [{ field: 'tokenEndpointAuthMethod', message }] });
    }
    const metadata = toProviderMetadata(next);
    const changes: ClientChanges = { name: next.name, metadata, mfaPolicy: next.mfaPolicy };
    if (!usesSecret && current.secretHash) Object.assign(changes, { secretHash: null, secretUpdatedAt: null });
    const before = snapshotOf(current);
    const unchanged = changedFields(before, snapshotOf({ ...current, ...changes })).length === 0;
    if (unchanged) return toClientRecord(current);
    await this.clients.validateForProvider(clientId, metadata);
    const updated = await this.uow.run(async (tx) => {
      const swapped = await this.swap(current.clientId, [current.version], changes, tx);
      const after = snapshotOf(swapped);
      await this.bus.publish('client.updated', { clientId, changed: changedFields(before, after), before, after }, eventOptions(action, tx));
      return swapped;
    });
    return toClientRecord(updated);
  }

  /** A new secret, returned once; the old one stops working with this write. */
  async rotateSecret(clientId: string, action: ClientAction): Promise<{ client: ClientRecord; clientSecret: string }> {
    const current = await this.live(clientId);
    this.checkVersion(current, action.expectedVersions);
    action.authorize?.(toClientRecord(current));
    if (!SECRET_AUTH_METHODS.has(String(current.metadata.token_endpoint_auth_method))) {
      throw new ClientsError(ClientsErrorCode.NO_CLIENT_SECRET, 'this client does not authenticate with a secret');
    }
    const { secret, hash } = await this.clients.generateSecret();
    const updated = await this.uow.run(async (tx) => {
      const swapped = await this.swap(clientId, [current.version], { secretHash: hash, secretUpdatedAt: new Date() }, tx);
      await this.bus.publish('client.secret.rotated', { clientId }, eventOptions(action, tx));
      return swapped;
    });
    return { client: toClientRecord(updated), clientSecret: secret };
  }

  /** Disabling refuses the client everywhere at once; enabling again is allowed. No-op when already so. */
  async setEnabled(clientId: string, enabled: boolean, action: ClientAction): Promise<ClientRecord> {
    const current = await this.live(clientId);
    this.checkVersion(current, action.expectedVersions);
    action.authorize?.(toClientRecord(current));
    if (current.enabled === enabled) return toClientRecord(current);
    const updated = await this.uow.run(async (tx) => {
      const swapped = await this.swap(clientId, [current.version], { enabled }, tx);
      await this.bus.publish(enabled ? 'client.enabled' : 'client.disabled', { clientId }, eventOptions(action, tx));
      return swapped;
    });
    return toClientRecord(updated);
  }

  /** Leaves a tombstone (disabled, no secret, id reserved) and announces it so oidc revokes the artifacts. */
  async delete(clientId: string, action: ClientAction): Promise<void> {
    const current = await this.live(clientId);
    this.checkVersion(current, action.expectedVersions);
    action.authorize?.(toClientRecord(current));
    await this.uow.run(async (tx) => {
      await this.swap(clientId, [current.version], { enabled: false, secretHash: null, deletedAt: new Date() }, tx);
      await this.bus.publish('client.deleted', { clientId, before: snapshotOf(current) }, eventOptions(action, tx));
    });
  }

  /**
   * The service keeps its own clients: a built-in client (a reserved id) found disabled or
   * deleted is put back, enabled and live, and announced as `client.restored`. Its registration
   * is then re-aligned by the caller (`ensureBuiltInPublicClient`). False when there was nothing to do.
   */
  async restoreBuiltIn(clientId: string, actor: EventActor): Promise<boolean> {
    if (!isReservedClientId(clientId)) throw new ClientsError(ClientsErrorCode.INVALID_CLIENT_METADATA, `${clientId} is not a built-in client`);
    const current = await this.repo.findClient(clientId);
    if (!current || (current.enabled && !current.deletedAt)) return false;
    await this.uow.run(async (tx) => {
      const restored = await this.repo.updateClient(clientId, [current.version], { enabled: true, deletedAt: null }, new Date(), tx, {
        includeDeleted: true,
      });
      if (!restored) return; // another instance restored it first
      await this.bus.publish('client.restored', { clientId, wasDeleted: current.deletedAt !== null, wasDisabled: !current.enabled }, { actor, tx });
    });
    return true;
  }

  private async live(clientId: string, tx?: Transaction): Promise<StoredClient> {
    const client = await this.repo.findClient(clientId, tx);
    if (!client || client.deletedAt) throw new ClientsError(ClientsErrorCode.CLIENT_NOT_FOUND, `no client ${clientId}`);
    return client;
  }

  private checkVersion(current: StoredClient, expected: number[] | undefined): void {
    if (expected && !expected.includes(current.version)) {
      throw new ClientsError(ClientsErrorCode.VERSION_MISMATCH, `client ${current.clientId} is at another version`);
    }
  }

  /** The compare-and-swap; when it loses, tells a concurrent delete (404) from a concurrent change (412). */
  private async swap(clientId: string, versions: number[], changes: ClientChanges, tx: Transaction): Promise<StoredClient> {
    const updated = await this.repo.updateClient(clientId, versions, changes, new Date(), tx);
    if (updated) return updated;
    await this.live(clientId, tx);
    throw new ClientsError(ClientsErrorCode.VERSION_MISMATCH, `client ${clientId} changed concurrently`);
  }
}

function eventOptions(action: ClientAction, tx: Transaction): { actor: EventActor; correlationId?: string; tx: Transaction } {
  return { actor: action.actor, correlationId: action.correlationId, tx };
}

/** Applies a PATCH: absent fields stay, null removes an optional field, anything else replaces. */
function merge(current: ClientRegistration, patch: ClientUpdate): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'clientId' || key === 'type') continue;
    merged[key] = value === null ? undefined : value;
  }
  dropOrphanedEnc(patch, merged);
  return merged;
}
