import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { ClientsService } from '../clients/index.js';
import { currentRequestScope, type RequestScope } from '../events/index.js';
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

/**
 * A refresh token's consumption, held back by `consume()` until the same request writes the
 * token that replaces it (oidc-provider's refresh grant consumes the old token and saves the
 * new one next, with nothing in between that reads or answers): then both are one statement.
 * Rules: held only within one request scope; any other artifact operation of that request
 * writes it first (and fails if it was lost); should no write follow within the same turn of
 * the event loop it is written alone; the new token is never written unless the old one was
 * consumed by this request. The answer needs the new token, so nothing is answered before the
 * consumption is written.
 */
interface HeldConsumption {
  id: string;
  /** Set once it is being written alone: resolves when consumed, rejects when lost. */
  outcome?: Promise<void>;
}

export function createAdapterClass(artifacts: OidcArtifactRepository, clients: ClientsService) {
  const held = new WeakMap<RequestScope, HeldConsumption>();

  /** Lost a race: another request consumed this code or refresh token between our read and now. */
  const lost = async (model: string, id: string): Promise<never> => {
    // That is a reuse: the grant's tokens end, as oidc-provider does for a reuse it sees, and
    // this request fails instead of getting a second token set.
    const found = await artifacts.find(model, id);
    if (typeof found?.grantId === 'string') await artifacts.revokeByGrantId(found.grantId);
    throw new errors.InvalidGrant(`${SINGLE_USE.get(model)} already used`);
  };

  const consumeNow = async (model: string, id: string): Promise<void> => {
    if ((await artifacts.consume(model, id)) || !SINGLE_USE.has(model)) return;
    await lost(model, id);
  };

  const writeAlone = (h: HeldConsumption): Promise<void> => {
    if (!h.outcome) {
      h.outcome = consumeNow('RefreshToken', h.id);
      h.outcome.catch(() => undefined);
    }
    return h.outcome;
  };

  /** Before any other artifact operation of this request: its held consumption is written. */
  const settle = async (): Promise<void> => {
    const scope = currentRequestScope();
    const h = scope && held.get(scope);
    if (!h) return;
    held.delete(scope);
    await writeAlone(h);
  };

  return class CaduceusAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed through the clients registry');
      const scope = this.model === 'RefreshToken' ? currentRequestScope() : undefined;
      const h = scope && held.get(scope);
      if (scope && h) {
        held.delete(scope);
        if (!h.outcome) {
          const consumed = h.id;
          // Taken here: the fallback below the event-loop turn finds it written.
          h.outcome = artifacts.consumeAndUpsert(this.model, consumed, id, payload as ArtifactPayload, expiresIn).then((ok) => (ok ? undefined : lost(this.model, consumed)));
          return h.outcome;
        }
        await h.outcome;
      } else {
        await settle();
      }
      await artifacts.upsert(this.model, id, payload as ArtifactPayload, expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return (await clients.findProviderMetadata(id)) as AdapterPayload | undefined;
      await settle();
      return (await artifacts.find(this.model, id)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      await settle();
      return (await artifacts.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      await settle();
      return (await artifacts.findByUid(this.model, uid)) as AdapterPayload | undefined;
    }

    async consume(id: string): Promise<void> {
      const scope = this.model === 'RefreshToken' ? currentRequestScope() : undefined;
      if (scope && !held.has(scope)) {
        const h: HeldConsumption = { id };
        held.set(scope, h);
        setImmediate(() => void writeAlone(h));
        return;
      }
      await settle();
      await consumeNow(this.model, id);
    }

    async destroy(id: string): Promise<void> {
      await settle();
      await artifacts.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await settle();
      await artifacts.revokeByGrantId(grantId);
    }
  };
}
