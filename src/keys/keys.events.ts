import type { SigningAlg } from './entities/signing-key.entity.js';

/** Events the keys module emits. Names are `<aggregate>.<past_verb>`. */
export interface KeyEvents {
  'keys.generated': { kid: string; alg: SigningAlg; state: 'next' | 'active' };
  'keys.activated': { kid: string; alg: SigningAlg; previousKid: string | null };
}
