import { Injectable } from '@nestjs/common';
import { EventBus, type EventActor } from '../events/index.js';
import { KeysService, aesGcmOpen, aesGcmSeal } from '../keys/index.js';
import { FederationError, FederationErrorCode } from './federation.errors.js';
import { FederationRepository, type IdpRow } from './federation.repository.js';
import { createIdpSchema, type IdpResponse, type UpdateIdp } from './federation.schemas.js';
import type { z } from 'zod';

/** The server secret the upstream client secrets and keys are sealed with (per-IdP AAD). */
const SEALING_KEY = 'federation-secret-key';

export interface IdpCredentials {
  clientSecret?: string;
  privateJwk?: Record<string, unknown>;
}

export interface MutationContext {
  actor?: EventActor;
  correlationId?: string;
}

/**
 * The upstream IdPs as administrators configure them. Client secrets and private keys are
 * sealed before they reach the database and never leave this service except to the broker.
 */
@Injectable()
export class IdentityProvidersService {
  constructor(
    private readonly repo: FederationRepository,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
  ) {}

  async create(raw: z.input<typeof createIdpSchema>, ctx: MutationContext = {}): Promise<IdpRow> {
    const parsed = createIdpSchema.safeParse(raw);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
      throw new FederationError(FederationErrorCode.INVALID_IDP, fields.map((f) => `${f.field} ${f.message}`).join('; '), { fields });
    }
    const input = parsed.data;
    const now = new Date();
    const row: IdpRow = {
      id: input.id,
      displayName: input.displayName,
      logoUri: input.logoUri ?? null,
      issuer: input.issuer,
      discoveryUrl: input.endpoints ? null : (input.discoveryUrl ?? null),
      endpoints: input.endpoints ?? {},
      clientId: input.clientId,
      clientAuth: input.clientAuth,
      sealedSecret: null,
      sealedPrivateJwk: null,
      scopes: input.scopes,
      allowedDomains: input.allowedDomains,
      claimMapping: input.claimMapping,
      roleMapping: input.roleMapping,
      groupsClaim: input.groupsClaim,
      trustUpstreamMfa: input.trustUpstreamMfa,
      allowLinking: input.allowLinking,
      useUserinfo: input.useUserinfo,
      enabled: input.enabled,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    Object.assign(row, await this.sealCredentials(row.id, input));
    await this.repo.insertIdp(row);
    await this.bus.publish('federation.idp.created', { idpId: row.id }, ctx);
    return row;
  }

  async update(id: string, patch: UpdateIdp, expectedVersions: number[] | undefined, ctx: MutationContext = {}): Promise<IdpRow> {
    const { clientSecret, privateJwk, endpoints, ...rest } = patch;
    const changes: Partial<IdpRow> = { ...rest };
    if (endpoints !== undefined) changes.endpoints = endpoints ?? {};
    if (endpoints) changes.discoveryUrl = null;
    Object.assign(changes, await this.sealCredentials(id, { clientSecret, privateJwk }));
    const current = await this.get(id);
    const next = { ...current, ...changes };
    if (next.clientAuth === 'private_key_jwt' ? !next.sealedPrivateJwk : !next.sealedSecret) {
      const field = next.clientAuth === 'private_key_jwt' ? 'privateJwk' : 'clientSecret';
      throw new FederationError(FederationErrorCode.INVALID_IDP, `${field} is required for ${next.clientAuth}`, {
        fields: [{ field, message: `is required for ${next.clientAuth}` }],
      });
    }
    const updated = await this.repo.updateIdp(id, changes, expectedVersions);
    await this.bus.publish('federation.idp.updated', { idpId: id, fields: Object.keys(patch).sort() }, ctx);
    return updated;
  }

  async delete(id: string, expectedVersions: number[] | undefined, ctx: MutationContext = {}): Promise<void> {
    await this.repo.deleteIdp(id, expectedVersions);
    await this.bus.publish('federation.idp.deleted', { idpId: id }, ctx);
  }

  async get(id: string): Promise<IdpRow> {
    const row = await this.repo.findIdp(id);
    if (!row) throw new FederationError(FederationErrorCode.IDP_NOT_FOUND, `no identity provider ${id}`);
    return row;
  }

  async find(id: string): Promise<IdpRow | null> {
    return this.repo.findIdp(id);
  }

  async list(): Promise<IdpRow[]> {
    return this.repo.listIdps();
  }

  /** The unsealed credentials, for the broker's token requests only. */
  async credentials(row: IdpRow): Promise<IdpCredentials> {
    const key = await this.keys.getSecret(SEALING_KEY);
    return {
      ...(row.sealedSecret ? { clientSecret: aesGcmOpen(key, row.sealedSecret, aad(row.id, 'secret')).toString('utf8') } : {}),
      ...(row.sealedPrivateJwk ? { privateJwk: JSON.parse(aesGcmOpen(key, row.sealedPrivateJwk, aad(row.id, 'jwk')).toString('utf8')) } : {}),
    };
  }

  /** Seals a value that belongs to this IdP (an upstream ID token kept as a logout hint). */
  async seal(idpId: string, what: string, value: string): Promise<string> {
    return aesGcmSeal(await this.keys.getSecret(SEALING_KEY), Buffer.from(value, 'utf8'), aad(idpId, what));
  }

  async open(idpId: string, what: string, sealed: string): Promise<string> {
    return aesGcmOpen(await this.keys.getSecret(SEALING_KEY), sealed, aad(idpId, what)).toString('utf8');
  }

  private async sealCredentials(id: string, input: IdpCredentials): Promise<Partial<IdpRow>> {
    if (!input.clientSecret && !input.privateJwk) return {};
    const key = await this.keys.getSecret(SEALING_KEY);
    return {
      ...(input.clientSecret ? { sealedSecret: aesGcmSeal(key, Buffer.from(input.clientSecret, 'utf8'), aad(id, 'secret')) } : {}),
      ...(input.privateJwk ? { sealedPrivateJwk: aesGcmSeal(key, Buffer.from(JSON.stringify(input.privateJwk), 'utf8'), aad(id, 'jwk')) } : {}),
    };
  }
}

function aad(id: string, what: string): string {
  return `federation|${id}|${what}`;
}

export function toIdpResponse(row: IdpRow): IdpResponse {
  const e = row.endpoints ?? {};
  return {
    id: row.id,
    displayName: row.displayName,
    logoUri: row.logoUri,
    issuer: row.issuer,
    discoveryUrl: row.discoveryUrl,
    endpoints: e.authorization
      ? {
          authorization: e.authorization,
          token: e.token!,
          jwks: e.jwks!,
          ...(e.userinfo ? { userinfo: e.userinfo } : {}),
          ...(e.endSession ? { endSession: e.endSession } : {}),
        }
      : null,
    clientId: row.clientId,
    clientAuth: row.clientAuth,
    hasClientSecret: Boolean(row.sealedSecret),
    hasPrivateJwk: Boolean(row.sealedPrivateJwk),
    scopes: row.scopes,
    allowedDomains: row.allowedDomains,
    claimMapping: row.claimMapping,
    groupsClaim: row.groupsClaim,
    roleMapping: row.roleMapping,
    trustUpstreamMfa: row.trustUpstreamMfa,
    allowLinking: row.allowLinking,
    useUserinfo: row.useUserinfo,
    enabled: row.enabled,
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
