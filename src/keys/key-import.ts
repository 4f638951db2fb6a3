import { constants, createPrivateKey, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlg } from './entities/signing-key.entity.js';
import type { GeneratedKeyPair } from './key-generation.js';
import { toPublicJwk } from './key-generation.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';

export interface KeyImportInput {
  pem?: string;
  jwk?: Record<string, unknown>;
  alg?: SigningAlg;
  kid?: string;
}

export const MIN_IMPORTED_RSA_BITS = 2048;
const KID = /^[\x21-\x7E]{1,200}$/;

const invalid = (field: string, message: string, cause?: unknown) =>
  new KeysError(KeysErrorCode.INVALID_KEY, message, { field, cause });

/**
 * Turns a private key from another identity provider (PEM or JWK) into a signing key.
 * Rules: a private key (never a public one, never passphrase-protected); P-256 → ES256,
 * Ed25519 → EdDSA, RSA of at least 2048 bits → RS256 or PS256 (which one must be said);
 * a given alg must fit the key; the public half is derived from the private key and must
 * verify a signature made with it; the kid is kept (tokens the old IdP issued name it).
 */
export async function importSigningKey(input: KeyImportInput): Promise<GeneratedKeyPair & { alg: SigningAlg }> {
  const field = input.pem !== undefined ? 'pem' : 'jwk';
  const privateKey = parsePrivateKey(input, field);
  const alg = algFor(privateKey, input.alg ?? (typeof input.jwk?.alg === 'string' ? (input.jwk.alg as SigningAlg) : undefined), field);
  assertConsistent(privateKey, alg, field);
  const exported = privateKey.export({ format: 'jwk' }) as JWK;
  const suppliedKid = input.kid ?? (typeof input.jwk?.kid === 'string' ? input.jwk.kid : undefined);
  if (suppliedKid !== undefined && !KID.test(suppliedKid)) {
    throw invalid(input.kid !== undefined ? 'kid' : 'jwk.kid', 'must be 1 to 200 printable characters without spaces');
  }
  const kid = suppliedKid ?? (await calculateJwkThumbprint(exported, 'sha256'));
  const privateJwk: JWK = { ...exported, kid, alg, use: 'sig' };
  return { kid, alg, privateJwk, publicJwk: toPublicJwk(privateJwk) };
}

function parsePrivateKey(input: KeyImportInput, field: string): KeyObject {
  if (input.pem !== undefined) {
    if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(input.pem)) throw invalid(field, 'must not be passphrase-protected');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input.pem)) throw invalid(field, 'must be a PEM private key (BEGIN PRIVATE KEY)');
    try {
      return createPrivateKey({ key: input.pem, format: 'pem' });
    } catch (cause) {
      throw invalid(field, 'is not a readable PEM private key', cause);
    }
  }
  const jwk = input.jwk ?? {};
  if (typeof jwk.d !== 'string') throw invalid('jwk.d', 'must be present: a private JWK is required');
  try {
    return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw invalid(field, 'is not a usable private JWK', cause);
  }
}

function algFor(key: KeyObject, requested: SigningAlg | undefined, field: string): SigningAlg {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve !== 'prime256v1') throw invalid(field, 'EC keys must be on the P-256 curve (ES256)');
      return expect(requested, 'ES256');
    case 'ed25519':
      return expect(requested, 'EdDSA');
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_IMPORTED_RSA_BITS) throw invalid(field, `RSA keys must have at least ${MIN_IMPORTED_RSA_BITS} bits`);
      if (requested !== 'RS256' && requested !== 'PS256') {
        throw new KeysError(KeysErrorCode.INVALID_KEY, 'an RSA key needs alg RS256 or PS256', { field: 'alg' });
      }
      return requested;
    default:
      throw invalid(field, 'must be a P-256 EC, Ed25519 or RSA private key');
  }
}

function expect(requested: SigningAlg | undefined, actual: SigningAlg): SigningAlg {
  if (requested !== undefined && requested !== actual) {
    throw new KeysError(KeysErrorCode.INVALID_KEY, `this key can only sign ${actual}`, { field: 'alg' });
  }
  return actual;
}

/** The public half is derived from the private key; a key whose parts disagree cannot sign verifiably. */
function assertConsistent(privateKey: KeyObject, alg: SigningAlg, field: string): void {
  const data = Buffer.from('caduceus key import check');
  const publicKey = createPublicKey(privateKey);
  const hash = alg === 'EdDSA' ? null : 'sha256';
  const options = alg === 'PS256' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
  try {
    const signature = sign(hash, data, { key: privateKey, ...options });
    if (verify(hash, data, { key: publicKey, ...options }, signature)) return;
  } catch (cause) {
    throw invalid(field, 'cannot sign: its parameters are inconsistent', cause);
  }
  throw invalid(field, 'cannot sign verifiably: its private and public parts do not match');
}
