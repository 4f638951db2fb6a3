import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

const SCHEME = 'hmac-sha256$';

/**
 * Client secrets are long random values, so a keyed hash (HMAC-SHA256 under a server-side
 * pepper) is enough and costs microseconds; a password hash would cap client-credentials
 * throughput at a few dozen grants per second (DESIGN.md, performance notes).
 */
export function hashClientSecret(secret: string, pepper: Buffer): string {
  return SCHEME + createHmac('sha256', pepperKey(pepper)).update(secret, 'utf8').digest('base64url');
}

/**
 * The pepper as a KeyObject, made once per pepper buffer: HMAC with a raw Buffer imports the
 * key again on every call, which was a measurable share of each client-authenticated request.
 */
const pepperKeys = new WeakMap<Buffer, KeyObject>();
function pepperKey(pepper: Buffer): KeyObject {
  let key = pepperKeys.get(pepper);
  if (!key) pepperKeys.set(pepper, (key = createSecretKey(pepper)));
  return key;
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function verifyClientSecret(presented: string, storedHash: string, pepper: Buffer): boolean {
  if (!storedHash.startsWith(SCHEME)) return false;
  const expected = Buffer.from(storedHash);
  const actual = Buffer.from(hashClientSecret(presented, pepper));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** 256 bits of randomness, base64url: what the API hands out when it creates a secret. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function isClientSecretHash(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SCHEME);
}
