import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';

/**
 * Encryption beyond TLS (#10): ID tokens and userinfo responses as JWE for clients that register
 * an encryption key. Key management RSA-OAEP-256 (RSA keys) or ECDH-ES (EC P-256/P-384), content
 * always A256GCM. No symmetric algorithms (A*KW, dir): they would derive the key from the client
 * secret, which is stored only as a keyed hash. No RSA1_5 or RSA-OAEP (SHA-1), no ECDH-ES+A*KW
 * (key wrapping adds nothing for a single recipient).
 */
export const ENCRYPTION_ALGS = ['RSA-OAEP-256', 'ECDH-ES'] as const;
export const ENCRYPTION_ENCS = ['A256GCM'] as const;
export const DEFAULT_ENCRYPTION_ENC = 'A256GCM';

export type EncryptionAlg = (typeof ENCRYPTION_ALGS)[number];
export type EncryptionEnc = (typeof ENCRYPTION_ENCS)[number];

/** Curves an ECDH-ES encryption key may use. */
const ENCRYPTION_CURVES: ReadonlySet<unknown> = new Set(['P-256', 'P-384']);
const MIN_RSA_BITS = 2048;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** The registration fields (camelCase) of JWE responses. */
export interface EncryptionRegistration {
  idTokenEncryptedResponseAlg?: EncryptionAlg;
  idTokenEncryptedResponseEnc?: EncryptionEnc;
  userinfoEncryptedResponseAlg?: EncryptionAlg;
  userinfoEncryptedResponseEnc?: EncryptionEnc;
}

/** [alg field, enc field, RFC 7591 alg, RFC 7591 enc] of each encrypted response. */
const PAIRS = [
  ['idTokenEncryptedResponseAlg', 'idTokenEncryptedResponseEnc', 'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc'],
  ['userinfoEncryptedResponseAlg', 'userinfoEncryptedResponseEnc', 'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc'],
] as const;

const algField = (what: string) =>
  z
    .enum(ENCRYPTION_ALGS)
    .describe(`${what} encrypted (JWE) to the client's key: RSA-OAEP-256 needs an RSA key, ECDH-ES an EC P-256/P-384 key in jwks (use enc) or jwksUri`);
const encField = (what: string) => z.enum(ENCRYPTION_ENCS).describe(`content encryption of the ${what} JWE; A256GCM when the alg is set (needs the alg)`);

/** For clientFields (registration). */
export const encryptionFields = {
  idTokenEncryptedResponseAlg: algField('ID tokens').optional(),
  idTokenEncryptedResponseEnc: encField('ID token').optional(),
  userinfoEncryptedResponseAlg: algField('Userinfo responses (application/jwt, signed then encrypted)').optional(),
  userinfoEncryptedResponseEnc: encField('userinfo').optional(),
};

/** For the update schema: null removes (removing an alg removes its enc too). */
export const encryptionUpdateFields = {
  idTokenEncryptedResponseAlg: algField('ID tokens').nullable().optional(),
  idTokenEncryptedResponseEnc: encField('ID token').nullable().optional(),
  userinfoEncryptedResponseAlg: algField('Userinfo responses (application/jwt, signed then encrypted)').nullable().optional(),
  userinfoEncryptedResponseEnc: encField('userinfo').nullable().optional(),
};

/** For the response schema. */
export const encryptionResponseFields = {
  idTokenEncryptedResponseAlg: z.enum(ENCRYPTION_ALGS).nullable().describe('ID tokens are JWE with this key management algorithm (null: signed only)'),
  idTokenEncryptedResponseEnc: z.enum(ENCRYPTION_ENCS).nullable(),
  userinfoEncryptedResponseAlg: z.enum(ENCRYPTION_ALGS).nullable().describe('userinfo answers a JWE with this algorithm (null: plain JSON)'),
  userinfoEncryptedResponseEnc: z.enum(ENCRYPTION_ENCS).nullable(),
};

export function toEncryptionResponse(c: EncryptionRegistration) {
  return {
    idTokenEncryptedResponseAlg: c.idTokenEncryptedResponseAlg ?? null,
    idTokenEncryptedResponseEnc: c.idTokenEncryptedResponseEnc ?? null,
    userinfoEncryptedResponseAlg: c.userinfoEncryptedResponseAlg ?? null,
    userinfoEncryptedResponseEnc: c.userinfoEncryptedResponseEnc ?? null,
  };
}

type JwkLike = { kty: string } & Record<string, unknown>;

/**
 * Rules for each key of a client's `jwks` (on top of refusing private members): `use` is sig or
 * enc; RSA keys are real keys of at least 2048 bits; an encryption key (`use: enc`) is RSA or EC
 * P-256/P-384, parses as a public key, and names (if any) an allowed algorithm for its type.
 */
export function publicKeyRules(k: JwkLike, ctx: z.RefinementCtx): void {
  // A key with private members is refused by the schema already: one clear message is enough.
  if (PRIVATE_MEMBERS.some((m) => m in k)) return;
  const issue = (member: string | undefined, message: string) => ctx.addIssue({ code: 'custom', path: member ? [member] : [], message });
  if (k.use !== undefined && k.use !== 'sig' && k.use !== 'enc') issue('use', 'must be sig or enc');
  const parsed = k.kty === 'RSA' || k.use === 'enc' ? publicKeyDetails(k) : undefined;
  if (k.kty === 'RSA' && (parsed?.modulusLength ?? 0) < MIN_RSA_BITS) {
    issue(parsed ? 'n' : undefined, parsed ? `RSA keys must be at least ${MIN_RSA_BITS} bits` : 'is not a valid RSA public key');
    return;
  }
  if (k.use !== 'enc') return;
  if (!(k.kty === 'RSA' || (k.kty === 'EC' && ENCRYPTION_CURVES.has(k.crv)))) {
    issue('kty', 'an encryption key (use enc) must be RSA or EC on P-256 or P-384');
    return;
  }
  if (!parsed) {
    issue(undefined, 'is not a valid public key');
    return;
  }
  if (k.alg !== undefined && k.alg !== algFor(k.kty)) issue('alg', `an ${k.kty} encryption key may only name ${algFor(k.kty)}`);
}

/** The one allowed algorithm for an encryption key type. */
function algFor(kty: string): EncryptionAlg | undefined {
  return kty === 'RSA' ? 'RSA-OAEP-256' : kty === 'EC' ? 'ECDH-ES' : undefined;
}

function publicKeyDetails(k: JwkLike): { modulusLength?: number } | undefined {
  try {
    return createPublicKey({ key: k as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails ?? {};
  } catch {
    return undefined;
  }
}

/**
 * Whether oidc-provider will find a key to encrypt to with `alg` among these keys: the right
 * type (RSA, or EC on an allowed curve), `use` enc or absent, `alg` absent or this one.
 */
export function hasEncryptionKey(jwks: unknown, alg: EncryptionAlg): boolean {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) return false;
  return keys.some((raw) => {
    const k = raw as Record<string, unknown>;
    const typeFits = alg === 'RSA-OAEP-256' ? k.kty === 'RSA' : k.kty === 'EC' && ENCRYPTION_CURVES.has(k.crv);
    const usable = typeFits && (k.use === undefined || k.use === 'enc') && (k.alg === undefined || k.alg === alg);
    return usable && publicKeyDetails(k as JwkLike) !== undefined;
  });
}

/**
 * Rules across fields: an enc needs its alg; an alg needs a key to encrypt to, in `jwks` (checked
 * here) or behind `jwksUri` (checked when a token is issued: without a suitable key, the token
 * request fails rather than send the response unencrypted).
 */
export function encryptionRules(c: EncryptionRegistration & { jwks?: unknown; jwksUri?: string }, ctx: z.RefinementCtx): void {
  for (const [alg, enc] of PAIRS) {
    if (c[enc] && !c[alg]) ctx.addIssue({ code: 'custom', path: [enc], message: `needs ${alg}` });
    const chosen = c[alg];
    if (chosen && !c.jwksUri && !hasEncryptionKey(c.jwks, chosen)) {
      const key = chosen === 'RSA-OAEP-256' ? 'an RSA public key (at least 2048 bits)' : 'an EC P-256 or P-384 public key';
      ctx.addIssue({ code: 'custom', path: [alg], message: `${chosen} needs ${key} with use enc in jwks, or a jwksUri` });
    }
  }
}

/**
 * RFC 7591 metadata of the encrypted responses; the enc defaults to A256GCM. oidc-provider
 * answers userinfo as a JWT only when it is signed, so an encrypted userinfo is signed with the
 * client's ID token algorithm, then encrypted (nested, like the ID token).
 */
export function toEncryptionMetadata(c: EncryptionRegistration, signingAlg: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [alg, enc, algName, encName] of PAIRS) {
    if (!c[alg]) continue;
    out[algName] = c[alg];
    out[encName] = c[enc] ?? DEFAULT_ENCRYPTION_ENC;
  }
  if (c.userinfoEncryptedResponseAlg) out.userinfo_signed_response_alg = signingAlg;
  return out;
}

/** The registration fields back from stored metadata (inverse of toEncryptionMetadata). */
export function fromEncryptionMetadata(m: Record<string, unknown>): EncryptionRegistration {
  const out: Record<string, unknown> = {};
  for (const [alg, enc, algName, encName] of PAIRS) {
    if (typeof m[algName] !== 'string') continue;
    out[alg] = m[algName];
    out[enc] = typeof m[encName] === 'string' ? m[encName] : DEFAULT_ENCRYPTION_ENC;
  }
  return out as EncryptionRegistration;
}

/** For a PATCH: removing an alg (null) without naming its enc removes the enc with it. */
export function dropOrphanedEnc(patch: Record<string, unknown>, merged: Record<string, unknown>): void {
  for (const [alg, enc] of PAIRS) {
    if (patch[alg] === null && patch[enc] === undefined) merged[enc] = undefined;
  }
}
