import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { HASH_PATTERN } from './audit-record.js';

/** JWS `typ` of a checkpoint: an application-specific statement, never mistaken for a token. */
export const CHECKPOINT_TYP = 'caduceus-audit-checkpoint+jws';
const ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA', 'Ed25519'];

/**
 * The signed statement: "record `seq` of the audit trail of `iss` had hash `hash` at `iat`".
 * A tombstone also says records `purgedFromSeq`..`seq` were purged on retention.
 */
export interface CheckpointClaims {
  iss: string;
  jti: string;
  kind: 'periodic' | 'on_demand' | 'tombstone';
  seq: number;
  hash: string;
  iat: number;
  purgedFromSeq?: number;
}

export interface VerifiedCheckpoint {
  claims: CheckpointClaims;
  kid: string | undefined;
}

/**
 * Verifies a checkpoint against a JWKS (the service's published keys). Rules: a signature by
 * one of those keys, the checkpoint `typ`, and claims of the right shape. Throws otherwise.
 */
export async function verifyCheckpointJws(jws: string, jwks: JSONWebKeySet): Promise<VerifiedCheckpoint> {
  const { payload, protectedHeader } = await compactVerify(jws.trim(), createLocalJWKSet(jwks), { algorithms: ALGS });
  if (protectedHeader.typ !== CHECKPOINT_TYP) throw new Error(`not an audit checkpoint (typ ${protectedHeader.typ ?? 'missing'})`);
  const claims = JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
  const validKind = claims.kind === 'periodic' || claims.kind === 'on_demand' || claims.kind === 'tombstone';
  if (!validKind || !Number.isSafeInteger(claims.seq) || claims.seq < 1 || typeof claims.hash !== 'string' || !HASH_PATTERN.test(claims.hash)) {
    throw new Error('the checkpoint claims are malformed');
  }
  return { claims, kid: protectedHeader.kid };
}
