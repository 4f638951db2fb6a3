import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientsService } from '../clients/index.js';
import type { ArtifactPayload, OidcArtifactRepository } from './oidc-artifact.repository.js';

/**
 * Builds the adapter class oidc-provider instantiates once per model name. Clients come from
 * the clients registry (read-only: dynamic registration is off); every other model is stored
 * in oidc_artifacts, so a restart or another instance sees the same sessions and tokens.
 */
/** Artifacts a grant may be exchanged for once only, and how an error names them. */
const SINGLE_USE: ReadonlyMap<string, string> = new Map([
  ['AuthorizationCode', 'authorization code'],
  ['RefreshToken', 'refresh token'],
  ['DeviceCode', 'device code'],
  ['BackchannelAuthenticationRequest', 'backchannel authentication request'],
]);

export function createAdapterClass(artifacts: OidcArtifactRepository, clients: ClientsService) {
  return class CaduceusAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed through the clients registry');
      await artifacts.upsert(this.model, id, payload as ArtifactPayload, expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return (await clients.findProviderMetadata(id)) as AdapterPayload | undefined;
      return (await artifacts.find(this.model, id)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await artifacts.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await artifacts.findByUid(this.model, uid)) as AdapterPayload | undefined;
    }

    async consume(id: string): Promise<void> {
      if ((await artifacts.consume(this.model, id)) || !SINGLE_USE.has(this.model)) return;
      // Lost a race: another request consumed this code or refresh token between our read and
      // now (two exchanges at once). That is a reuse: the grant's tokens end, as oidc-provider
      // does for a reuse it sees, and this request fails instead of getting a second token set.
      const found = await artifacts.find(this.model, id);
      if (typeof found?.grantId === 'string') await artifacts.revokeByGrantId(found.grantId);
      throw new errors.InvalidGrant(`${SINGLE_USE.get(this.model)} already used`);
    }

    async destroy(id: string): Promise<void> {
      await artifacts.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await artifacts.revokeByGrantId(grantId);
    }
  };
}
