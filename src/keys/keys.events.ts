import type { SigningAlg } from './entities/signing-key.entity.js';

/** Events the keys module emits. Names are `<aggregate>.<past_verb>`. Never a private key. */
export interface KeyEvents {
  'keys.generated': { kid: string; alg: SigningAlg; state: 'next' | 'active' };
  /** `thumbprint`: RFC 7638 SHA-256 thumbprint of the public key; `source`: the form it came in. */
  'keys.imported': { kid: string; alg: SigningAlg; state: 'next' | 'active'; thumbprint: string; source: 'pem' | 'jwk' };
  'keys.activated': { kid: string; alg: SigningAlg; previousKid: string | null };
  /** `publishedUntil`: the key stays in the JWKS until then (every token it signed has expired). */
  'keys.retired': { kid: string; alg: SigningAlg; replacedBy: string; publishedUntil: string };
  'keys.removed': { kid: string; alg: SigningAlg };
  'keys.revoked': { kid: string; alg: SigningAlg; previousState: string; reason: string; replacedBy: string | null };
  'keys.rotation.requested': { alg: SigningAlg; kid: string; immediate: boolean; activatesAt: string };
  'keys.schedule.updated': {
    before: { rotationIntervalSeconds: number; prePublicationWindowSeconds: number };
    after: { rotationIntervalSeconds: number; prePublicationWindowSeconds: number };
  };
  'keys.kek.rotated': { fromKekIds: string[]; toKekId: string; signingKeys: number; secrets: number };
  /**
   * The published keystore changed. `local`: this instance changed it; `remote`: this instance
   * noticed another one's change (a per-instance cache signal, one per instance). The oidc
   * module reloads its keystore on it.
   */
  'keys.rotated': { origin: 'local' | 'remote'; fingerprint: string; activeKids: string[] };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends KeyEvents {}
}
