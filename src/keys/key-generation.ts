import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SigningAlg } from './entities/signing-key.entity.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export interface GeneratedKeyPair {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** New key pair for alg; RSA keys are 3072-bit; kid is the RFC 7638 thumbprint. */
export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedKeyPair> {
  const options = alg === 'RS256' || alg === 'PS256' ? { modulusLength: 3072, extractable: true } : { extractable: true };
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, options);
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const privateJwk: JWK = { ...jwk, kid, alg, use: 'sig' };
  return { kid, privateJwk, publicJwk: toPublicJwk(privateJwk) };
}

export function toPublicJwk(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy as JWK;
}
