import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor, type EventDelivery } from '../events/index.js';
import { KeysService } from '../keys/index.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret.js';
import { toProviderMetadata } from './client-metadata.js';
import { TLS_CLIENT_AUTH_FIELDS } from './client-mtls.js';
import { snapshotOf, toClientRecord, type ClientRecord } from './client-record.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import { ClientsRepository, type StoredResourceServer } from './clients.repository.js';
import { signingAlgRefusal } from './signing-algs.js';
import {
  effectiveAuthMethod,
  isReservedClientId,
  newClientSchema,
  RESERVED_CLIENT_ID_MESSAGE,
  newResourceServerSchema,
  SECRET_AUTH_METHODS,
  type NewClient,
  type NewResourceServer,
} from './clients.schemas.js';

export interface CreatedClient {
  clientId: string;
  /** Shown once, at creation; only its keyed hash is stored. */
  clientSecret?: string;
  client: ClientRecord;
}

/** oidc-provider's own check of client metadata; throws when it would refuse the client. */
export type ProviderMetadataValidator = (metadata: Record<string, unknown>) => Promise<unknown>;

export type ResourceServer = StoredResourceServer;

const PEPPER = 'client-secret-pepper';

/**
 * Registry of downstream apps and of the APIs (resource servers) tokens are issued for.
 * Client secrets are stored only as HMAC-SHA256 under a sealed server pepper.
 */
/**
 * Every token request looks its client up (several times for a sign-in): a short cache keeps
 * that off the database under load, and is short enough that a change on another instance
 * is honoured within a second.
 */
const METADATA_CACHE_MS = 1000;
const METADATA_CACHE_MAX = 10_000;

@Injectable()
export class ClientsService {
  private providerValidator?: ProviderMetadataValidator;

  private readonly metadataCache = new Map<string, { value: Record<string, unknown> | undefined; expiresAt: number }>();
  /** Lookups in flight, one per client (bounded by the clients being looked up at this instant). */
  private readonly metadataReads = new Map<string, Promise<Record<string, unknown> | undefined>>();
  /** Moves on every client change: a read that started before one is not cached. */
  private metadataGeneration = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: ClientsRepository,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {}

  /** The checks a registration passes before anything is written (a registration held for dual control passes them before it waits). */
  async checkRegistration(input: NewClient): Promise<void> {
    const { clientSecret: _secret, ...registration } = parse(newClientSchema, input, ClientsErrorCode.INVALID_CLIENT_METADATA);
    this.assertSigningAlg('idTokenSignedResponseAlg', registration.idTokenSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    if (registration.userinfoSignedResponseAlg) {
      this.assertSigningAlg('userinfoSignedResponseAlg', registration.userinfoSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    }
    await this.validateForProvider(registration.clientId ?? randomBytes(16).toString('base64url'), toProviderMetadata(registration));
  }

  async createClient(
    input: NewClient,
    actor?: EventActor,
    opts: { bootstrap?: boolean; correlationId?: string; builtIn?: boolean } = {},
  ): Promise<CreatedClient> {
    const { clientSecret: chosenSecret, ...registration } = parse(newClientSchema, input, ClientsErrorCode.INVALID_CLIENT_METADATA);
    // Whoever registered a built-in id first would choose the sign-in policy of a service app: only the service itself may.
    if (registration.clientId && isReservedClientId(registration.clientId) && !opts.builtIn) {
      throw new ClientsError(ClientsErrorCode.INVALID_CLIENT_METADATA, `clientId ${RESERVED_CLIENT_ID_MESSAGE}`, {
        fields: [{ field: 'clientId', message: RESERVED_CLIENT_ID_MESSAGE }],
      });
    }
    this.assertSigningAlg('idTokenSignedResponseAlg', registration.idTokenSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    if (registration.userinfoSignedResponseAlg) {
      this.assertSigningAlg('userinfoSignedResponseAlg', registration.userinfoSignedResponseAlg, ClientsErrorCode.INVALID_CLIENT_METADATA);
    }
    const clientId = registration.clientId ?? randomBytes(16).toString('base64url');
    const clientSecret = SECRET_AUTH_METHODS.has(effectiveAuthMethod(registration)) ? (chosenSecret ?? generateClientSecret()) : undefined;
    const metadata = toProviderMetadata(registration);
    await this.validateForProvider(clientId, metadata);
    const secretHash = clientSecret ? hashClientSecret(clientSecret, await this.pepper()) : null;
    // The row and its audit record commit together, or neither does.
    const stored = await this.uow.run(async (tx) => {
      const inserted = await this.repo.insertClient(
        { clientId, name: registration.name, secretHash, metadata, enabled: true, mfaPolicy: registration.mfaPolicy },
        new Date(),
        tx,
      );
      await this.bus.publish(
        'client.created',
        { clientId, name: registration.name, grantTypes: registration.grantTypes, bootstrap: Boolean(opts.bootstrap), after: snapshotOf(inserted) },
        { actor, correlationId: opts.correlationId, tx },
      );
      return inserted;
    });
    return { clientId, clientSecret, client: toClientRecord(stored) };
  }

  /**
   * The OpenID Provider registers its own metadata check here (oidc-provider's Client.validate),
   * so a registration or update it would refuse at sign-in time is refused when it is made.
   */
  useProviderValidator(validate: ProviderMetadataValidator): void {
    this.providerValidator = validate;
  }

  /** Runs the provider's check, if one is registered; its message becomes a field error. */
  async validateForProvider(clientId: string, metadata: Record<string, unknown>): Promise<void> {
    if (!this.providerValidator) return;
    try {
      // The provider wants a secret for secret methods; the stored one is a hash it never sees here.
      const secret = SECRET_AUTH_METHODS.has(String(metadata.token_endpoint_auth_method)) ? { client_secret: 'checked-elsewhere' } : {};
      await this.providerValidator({ ...metadata, client_id: clientId, ...secret });
    } catch (cause) {
      const message = (cause as { error_description?: string; message?: string }).error_description ?? (cause as Error).message;
      // A validator that knows which field is wrong says so (`field`); the provider's own errors do not.
      const field = (cause as { field?: unknown }).field;
      throw new ClientsError(ClientsErrorCode.INVALID_CLIENT_METADATA, message, { cause, fields: [{ field: typeof field === 'string' ? field : 'body', message }] });
    }
  }

  /** Refuses, naming the field, an algorithm the server keeps no signing key for (see signingAlgRefusal). */
  assertSigningAlg(field: string, alg: string, code: ClientsErrorCode.INVALID_CLIENT_METADATA | ClientsErrorCode.INVALID_RESOURCE_SERVER): void {
    const message = signingAlgRefusal(alg, this.config.keys.signingAlgs);
    if (message) throw new ClientsError(code, `${field}: ${message}`, { fields: [{ field, message }] });
  }

  /** Whether the client exists, is enabled and not deleted (admin tokens of others are refused). */
  async isClientActive(clientId: string): Promise<boolean> {
    const client = await this.repo.findClient(clientId);
    return Boolean(client && client.enabled && !client.deletedAt);
  }

  /**
   * The client's registered scope ceiling as it is now (no cache), or null when the client is
   * unknown, disabled or deleted: the admin API reads a machine admin's roles from it per request.
   */
  async liveResourceScopesOf(clientId: string): Promise<string[] | null> {
    const client = await this.repo.findClient(clientId);
    if (!client || !client.enabled || client.deletedAt) return null;
    const scopes = (client.metadata as { resource_scopes?: unknown }).resource_scopes;
    return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  }

  /**
   * Enabled clients registered for `scope` now, each with a mark of its credentials: a digest of
   * its secret hash, auth method and keys, which changes whenever any of them does (dual control
   * counts an approver only while its credentials are those it had when the change was requested).
   */
  async liveClientCredentialsFor(scope: string): Promise<Array<{ clientId: string; credentials: string }>> {
    return (await this.repo.liveClientsWithResourceScope(scope)).map((c) => {
      const m = c.metadata as Record<string, unknown>;
      const keys = [c.secretHash, m.token_endpoint_auth_method, m.jwks, m.jwks_uri, ...TLS_CLIENT_AUTH_FIELDS.map(([, k]) => m[k])];
      return { clientId: c.clientId, credentials: createHash('sha256').update(JSON.stringify(keys)).digest('base64url') };
    });
  }

  async countClients(): Promise<number> {
    return this.repo.countLiveClients();
  }

  /**
   * Creates the bootstrap admin client when it does not exist yet; ignored afterwards, so a
   * changed secret in the environment never silently replaces the stored one.
   */
  async ensureBootstrapAdminClient(clientId: string, clientSecret: string, resourceScopes: string[]): Promise<'created' | 'exists'> {
    if (await this.repo.findClient(clientId)) return 'exists';
    try {
      await this.createClient(
        {
          clientId,
          clientSecret,
          name: 'Bootstrap administrator',
          type: 'confidential',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
          resourceScopes,
        },
        { type: 'system', id: 'bootstrap' },
        { bootstrap: true },
      );
      return 'created';
    } catch (err) {
      // Another instance created it between our check and our insert.
      if (err instanceof ClientsError && err.code === ClientsErrorCode.CLIENT_ALREADY_EXISTS) return 'exists';
      throw err;
    }
  }

  /**
   * Metadata in the shape oidc-provider expects, or undefined for an unknown or disabled
   * client. `client_secret` carries the stored hash; the OIDC module compares presented
   * secrets through verifySecret, never by equality with this value.
   */
  async findProviderMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
    const cached = this.metadataCache.get(clientId);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    // When the entry runs out under load, every request of that client would read it at once:
    // the requests arriving while one read is in flight share it.
    const pending = this.metadataReads.get(clientId);
    if (pending) return pending;
    const read: Promise<Record<string, unknown> | undefined> = this.readProviderMetadata(clientId).finally(() => {
      if (this.metadataReads.get(clientId) === read) this.metadataReads.delete(clientId);
    });
    this.metadataReads.set(clientId, read);
    return read;
  }

  private async readProviderMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
    const generation = this.metadataGeneration;
    const client = await this.repo.findClient(clientId);
    const value =
      !client || !client.enabled || client.deletedAt
        ? undefined
        : { ...client.metadata, client_id: client.clientId, ...(client.secretHash ? { client_secret: client.secretHash } : {}) };
    // A change announced while the read was in flight may not be in what it read: not kept.
    if (generation !== this.metadataGeneration) return value;
    if (this.metadataCache.size >= METADATA_CACHE_MAX) this.metadataCache.clear();
    this.metadataCache.set(clientId, { value, expiresAt: Date.now() + METADATA_CACHE_MS });
    return value;
  }

  /**
   * Drops the cached registration of a client changed here at once; a change made by another
   * instance is seen within METADATA_CACHE_MS (its tokens are revoked by that instance).
   */
  @OnEvent('client.created')
  @OnEvent('client.updated')
  @OnEvent('client.secret.rotated')
  @OnEvent('client.disabled')
  @OnEvent('client.enabled')
  @OnEvent('client.restored')
  @OnEvent('client.deleted')
  forgetCachedClient(event: { payload: { clientId: string } }, delivery?: EventDelivery): void {
    const clientId = event.payload.clientId;
    this.metadataGeneration += 1;
    this.metadataCache.delete(clientId);
    // A read already in flight may return the old registration: later lookups read afresh.
    this.metadataReads.delete(clientId);
    // A lookup made before COMMIT may have cached the old registration again.
    delivery?.tx?.afterCommit(() => {
      this.metadataGeneration += 1;
      this.metadataCache.delete(clientId);
      this.metadataReads.delete(clientId);
    });
  }

  /** A fresh secret and its keyed hash: the secret goes to the caller once, the hash to the database. */
  async generateSecret(): Promise<{ secret: string; hash: string }> {
    const secret = generateClientSecret();
    return { secret, hash: hashClientSecret(secret, await this.pepper()) };
  }

  async verifySecret(presented: string, storedHash: string): Promise<boolean> {
    return verifyClientSecret(presented, storedHash, await this.pepper());
  }

  async registerResourceServer(input: NewResourceServer, actor?: EventActor): Promise<ResourceServer> {
    const r = parse(newResourceServerSchema, input, ClientsErrorCode.INVALID_RESOURCE_SERVER);
    this.assertSigningAlg('signingAlg', r.signingAlg, ClientsErrorCode.INVALID_RESOURCE_SERVER);
    const stored: StoredResourceServer = {
      identifier: r.identifier,
      name: r.name,
      audience: r.audience ?? r.identifier,
      scopes: r.scopes,
      accessTokenFormat: r.accessTokenFormat,
      accessTokenTtl: r.accessTokenTtl ?? null,
      signingAlg: r.signingAlg,
    };
    await this.uow.run(async (tx) => {
      await this.repo.insertResourceServer(stored, tx);
      await this.bus.publish(
        'resource_server.created',
        { identifier: stored.identifier, name: stored.name, scopes: stored.scopes, accessTokenFormat: stored.accessTokenFormat },
        { actor, tx },
      );
    });
    return stored;
  }

  /** Registers the resource server unless it exists (built-in APIs, at every start). */
  async ensureResourceServer(input: NewResourceServer): Promise<void> {
    try {
      await this.registerResourceServer(input, { type: 'system', id: 'caduceus' });
    } catch (err) {
      if (!(err instanceof ClientsError && err.code === ClientsErrorCode.RESOURCE_SERVER_ALREADY_EXISTS)) throw err;
    }
  }

  async findResourceServer(identifier: string): Promise<ResourceServer | null> {
    return this.repo.findResourceServer(identifier);
  }

  private pepper(): Promise<Buffer> {
    return this.keys.getSecret(PEPPER);
  }
}

export function parse<S extends z.ZodType>(schema: S, input: unknown, code: ClientsErrorCode): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    throw new ClientsError(code, fields.map((f) => `${f.field}: ${f.message}`).join('; '), { cause: result.error, fields });
  }
  return result.data;
}
