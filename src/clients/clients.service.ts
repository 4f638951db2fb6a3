import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { EventBus, type EventActor } from '../events/index.js';
import { KeysService } from '../keys/index.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import { ClientsRepository, type StoredResourceServer } from './clients.repository.js';
import { newClientSchema, newResourceServerSchema, type NewClient, type NewResourceServer } from './clients.schemas.js';

export interface CreatedClient {
  clientId: string;
  /** Shown once, at creation; only its keyed hash is stored. */
  clientSecret?: string;
}

export type ResourceServer = StoredResourceServer;

const PEPPER = 'client-secret-pepper';

/**
 * Registry of downstream apps and of the APIs (resource servers) tokens are issued for.
 * Client secrets are stored only as HMAC-SHA256 under a sealed server pepper.
 */
@Injectable()
export class ClientsService {
  constructor(
    private readonly repo: ClientsRepository,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
  ) {}

  async createClient(input: NewClient, actor?: EventActor, opts: { bootstrap?: boolean } = {}): Promise<CreatedClient> {
    const c = parse(newClientSchema, input, ClientsErrorCode.INVALID_CLIENT_METADATA);
    const method = c.tokenEndpointAuthMethod ?? (c.type === 'public' ? 'none' : 'client_secret_basic');
    const usesSecret = method === 'client_secret_basic' || method === 'client_secret_post';
    const clientId = c.clientId ?? randomBytes(16).toString('base64url');
    const clientSecret = usesSecret ? (c.clientSecret ?? generateClientSecret()) : undefined;
    const metadata: Record<string, unknown> = {
      client_name: c.name,
      application_type: 'web',
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      grant_types: c.grantTypes,
      response_types: c.grantTypes.includes('authorization_code') ? ['code'] : [],
      token_endpoint_auth_method: method,
      id_token_signed_response_alg: c.idTokenSignedResponseAlg,
      ...(c.scope ? { scope: c.scope } : {}),
      ...(c.resourceScopes.length ? { resource_scopes: c.resourceScopes } : {}),
      ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
      ...(c.jwks ? { jwks: c.jwks } : {}),
      ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    };
    const secretHash = clientSecret ? hashClientSecret(clientSecret, await this.pepper()) : null;
    await this.repo.insertClient({ clientId, name: c.name, secretHash, metadata, enabled: true });
    await this.bus.publish(
      'client.created',
      { clientId, name: c.name, grantTypes: c.grantTypes, bootstrap: Boolean(opts.bootstrap) },
      { actor },
    );
    return { clientId, clientSecret };
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
    const client = await this.repo.findClient(clientId);
    if (!client || !client.enabled) return undefined;
    return { ...client.metadata, client_id: client.clientId, ...(client.secretHash ? { client_secret: client.secretHash } : {}) };
  }

  async verifySecret(presented: string, storedHash: string): Promise<boolean> {
    return verifyClientSecret(presented, storedHash, await this.pepper());
  }

  async registerResourceServer(input: NewResourceServer, actor?: EventActor): Promise<ResourceServer> {
    const r = parse(newResourceServerSchema, input, ClientsErrorCode.INVALID_RESOURCE_SERVER);
    const stored: StoredResourceServer = {
      identifier: r.identifier,
      name: r.name,
      audience: r.audience ?? r.identifier,
      scopes: r.scopes,
      accessTokenFormat: r.accessTokenFormat,
      accessTokenTtl: r.accessTokenTtl ?? null,
      signingAlg: r.signingAlg,
    };
    await this.repo.insertResourceServer(stored);
    await this.bus.publish(
      'resource_server.created',
      { identifier: stored.identifier, name: stored.name, scopes: stored.scopes, accessTokenFormat: stored.accessTokenFormat },
      { actor },
    );
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

function parse<S extends z.ZodType>(schema: S, input: unknown, code: ClientsErrorCode): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new ClientsError(code, fields, { cause: result.error });
  }
  return result.data;
}
