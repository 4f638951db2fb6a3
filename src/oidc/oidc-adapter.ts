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

/**
 * Sessions and interactions a request read, by id, and whether one of them was ended by another
 * request while this one ran. oidc-provider reads the session (and interaction) when a request
 * starts and writes it back when it ends: a logout, an administrator ending the session, or a
 * concurrent request that finished the sign-in and rotated the session id, would otherwise be
 * undone by that write. Rules: a request writes back only what still exists (an update, never an
 * insert); once something it read is found gone, it writes none of these models again. Ids it
 * never read (a new session, a rotated id, a new interaction) are inserted as before.
 */
const READ_BACK_MODELS: ReadonlySet<string> = new Set(['Session', 'Interaction']);

interface ReadBack {
  ids: Set<string>;
  ended: boolean;
}

export function createAdapterClass(artifacts: OidcArtifactRepository, clients: ClientsService) {
  const held = new WeakMap<RequestScope, HeldConsumption>();
  const readBack = new WeakMap<RequestScope, ReadBack>();

  const readBackOf = (model: string): ReadBack | undefined => {
    const scope = READ_BACK_MODELS.has(model) ? currentRequestScope() : undefined;
    if (!scope) return undefined;
    let entry = readBack.get(scope);
    if (!entry) readBack.set(scope, (entry = { ids: new Set(), ended: false }));
    return entry;
  };

  /** Notes that this request read `payload` (its id is the jti), to write it back as an update. */
  const noteRead = (model: string, payload: ArtifactPayload | undefined): ArtifactPayload | undefined => {
    if (payload && typeof payload.jti === 'string') readBackOf(model)?.ids.add(payload.jti);
    return payload;
  };

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
      const seen = readBackOf(this.model);
      if (seen?.ended) return;
      if (seen?.ids.has(id)) {
        if (!(await artifacts.update(this.model, id, payload as ArtifactPayload, expiresIn))) seen.ended = true;
        return;
      }
      await artifacts.upsert(this.model, id, payload as ArtifactPayload, expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return (await clients.findProviderMetadata(id)) as AdapterPayload | undefined;
      await settle();
      return noteRead(this.model, await artifacts.find(this.model, id)) as AdapterPayload | undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      await settle();
      return (await artifacts.findByUserCode(this.model, userCode)) as AdapterPayload | undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      await settle();
      return noteRead(this.model, await artifacts.findByUid(this.model, uid)) as AdapterPayload | undefined;
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
      const seen = readBackOf(this.model);
      if ((await artifacts.destroy(this.model, id)) || !seen?.ids.has(id)) return;
      // Ended by another request since this one read it: a session rotated or ended elsewhere
      // is not recreated under a new id either.
      seen.ended = true;
      // oidc-provider destroys the interaction once, when it resumes the authorization request
      // after the last page, and issues the code next. Requests that read the same finished
      // interaction at once (a double click, a replayed resume URL) would each get a code: only
      // the one that deletes it goes on.
      if (this.model === 'Interaction') throw new errors.SessionNotFound('interaction session already resumed');
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await settle();
      await artifacts.revokeByGrantId(grantId);
    }
  };
}
