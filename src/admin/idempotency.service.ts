import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ADMIN_KEY_SOURCE, type AdminKeySource } from './admin-ports.js';
import { ADMIN_CLOCK, type Clock } from './clock.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** How long a key is remembered (the IETF draft and the major APIs use 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const SECRET_NAME = 'admin-idempotency-response-key';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type IdempotencyDecision =
  | { kind: 'proceed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-flight' };

/**
 * Decides what a request carrying an Idempotency-Key does: run (first time, or the earlier
 * record expired), replay the stored response (same principal, same key, same request),
 * or fail (same key, different request; or the first request still running).
 * Stored responses are sealed with AES-256-GCM under a server secret that is itself sealed
 * under the KEK: a create's response may carry a one-time secret.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly repo: IdempotencyRepository,
    @Inject(ADMIN_KEY_SOURCE) private readonly keys: AdminKeySource,
    @Inject(ADMIN_CLOCK) private readonly clock: Clock,
  ) {}

  async begin(principal: string, key: string, fingerprint: string): Promise<IdempotencyDecision> {
    const now = this.clock.now();
    const outcome = await this.repo.claim(principal, key, fingerprint, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS));
    if (outcome.claimed) return { kind: 'proceed' };
    if (outcome.existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (!outcome.existing.sealedResponse) return { kind: 'in-flight' };
    const plain = open(await this.secret(), outcome.existing.sealedResponse, aad(principal, key, fingerprint));
    return { kind: 'replay', response: JSON.parse(plain.toString('utf8')) as StoredResponse };
  }

  async complete(principal: string, key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const sealed = seal(await this.secret(), Buffer.from(JSON.stringify(response), 'utf8'), aad(principal, key, fingerprint));
    await this.repo.complete(principal, key, sealed);
  }

  async abandon(principal: string, key: string): Promise<void> {
    await this.repo.release(principal, key);
  }

  async deleteExpired(): Promise<number> {
    return this.repo.deleteExpired(this.clock.now());
  }

  private secret(): Promise<Buffer> {
    return this.keys.getSecret(SECRET_NAME);
  }
}

/** SHA-256 over method, URL and the body with object keys sorted (key order is not meaning). */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([method.toUpperCase(), url, canonical(body ?? null)]))
    .digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const aad = (principal: string, key: string, fingerprint: string) => Buffer.from(`${principal}\n${key}\n${fingerprint}`, 'utf8');

function seal(key: Buffer, plaintext: Buffer, additional: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

function open(key: Buffer, sealed: string, additional: Buffer): Buffer {
  const [iv, ciphertext, tag] = sealed.split('.');
  if (!iv || ciphertext === undefined || !tag) throw new Error('unrecognised sealed idempotent response');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(additional);
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}
