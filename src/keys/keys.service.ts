import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CompactSign, importJWK, type JWK } from 'jose';
import { AdvisoryLockService } from '../database/index.js';
import { EventBus } from '../events/index.js';
import type { SigningAlg } from './entities/signing-key.entity.js';
import { openEnvelope, sealEnvelope } from './kek.js';
import type { LoadedKek } from './kek.loader.js';
import { generateSigningKey } from './key-generation.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';
import { KeysRepository, type StoredSigningKey } from './keys.repository.js';

export const KEK = Symbol('KEK');
const PUBLIC_JWKS_CACHE_MS = 5_000;

export interface SigningKeystore {
  /** Private JWKs in signing preference order: active keys first. Never leaves the process. */
  keys: JWK[];
}

/**
 * Owns signing keys and server-side secrets. Issue #5 grows this into the full lifecycle
 * (next → active → retired → removed, revoke, schedule); today it guarantees an active ES256
 * key exists and serves the keystore and named secrets, all sealed at rest.
 */
@Injectable()
export class KeysService {
  private readonly logger = new Logger(KeysService.name);
  private readonly secretCache = new Map<string, Buffer>();
  private publicCache?: { jwks: { keys: JWK[] }; expiresAt: number };

  constructor(
    private readonly repo: KeysRepository,
    private readonly locks: AdvisoryLockService,
    private readonly bus: EventBus,
    @Inject(KEK) private readonly loaded: LoadedKek,
  ) {}

  get kekSource(): LoadedKek['source'] {
    return this.loaded.source;
  }

  /**
   * Makes sure an active ES256 key exists. Idempotent and safe on several instances at once:
   * another instance may already have generated it, so the check is repeated under the lock.
   */
  async ensureActiveKey(alg: SigningAlg = 'ES256'): Promise<void> {
    if (await this.hasActive(alg)) return;
    await this.locks.withLock('caduceus:keys', async () => {
      if (await this.hasActive(alg)) return;
      const generated = await generateSigningKey(alg);
      const envelope = await sealEnvelope(this.loaded.kek, Buffer.from(JSON.stringify(generated.privateJwk)), aadFor(generated.kid));
      const now = new Date();
      await this.repo.insertKey({
        kid: generated.kid,
        alg,
        state: 'active',
        publicJwk: generated.publicJwk as Record<string, unknown>,
        sealedPrivateJwk: envelope.ciphertext,
        wrappedDataKey: envelope.wrappedKey,
        kekId: envelope.kekId,
        createdAt: now,
        activatedAt: now,
      });
      this.invalidateCaches();
      this.logger.log({ kid: generated.kid, alg }, 'generated the first signing key');
      await this.bus.publish('keys.generated', { kid: generated.kid, alg, state: 'active' });
      await this.bus.publish('keys.activated', { kid: generated.kid, alg, previousKid: null });
    });
  }

  /**
   * Public JWKS of every publishable key, for verifying our own tokens in-process (admin API).
   * Cached briefly: another instance may rotate, and the cache must not outlive a revocation by much.
   */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    const now = Date.now();
    if (this.publicCache && this.publicCache.expiresAt > now) return this.publicCache.jwks;
    const stored = await this.repo.findPublishable();
    const jwks = { keys: stored.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })) };
    this.publicCache = { jwks, expiresAt: now + PUBLIC_JWKS_CACHE_MS };
    return jwks;
  }

  /** Drops cached key material so the next call reads the database (after a key change). */
  invalidateCaches(): void {
    this.publicCache = undefined;
  }

  /**
   * Signs a JSON payload as a compact JWS with the active key of `alg` (audit checkpoints and
   * other statements verifiable against the published JWKS). `typ` names what is signed.
   */
  async signJws(payload: unknown, typ: string, alg: SigningAlg = 'ES256'): Promise<string> {
    const stored = (await this.repo.findPublishable()).find((k) => k.state === 'active' && k.alg === alg);
    if (!stored) throw new KeysError(KeysErrorCode.NO_ACTIVE_KEY, `no active ${alg} signing key`);
    const jwk = await this.unsealKey(stored);
    const key = await importJWK(jwk, alg === 'EdDSA' ? 'Ed25519' : alg);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: alg === 'EdDSA' ? 'Ed25519' : alg, kid: stored.kid, typ })
      .sign(key);
  }

  /** The private keystore for the OpenID Provider: every publishable key, unsealed. */
  async loadSigningKeystore(): Promise<SigningKeystore> {
    const stored = await this.repo.findPublishable();
    if (!stored.some((k) => k.state === 'active')) {
      throw new KeysError(KeysErrorCode.NO_ACTIVE_KEY, 'no active signing key exists');
    }
    return { keys: await Promise.all(stored.map((k) => this.unsealKey(k))) };
  }

  /**
   * A named 32-byte server secret (cookie signing keys, client-secret pepper), generated once
   * for the whole cluster and sealed at rest. Concurrent first calls converge on one value.
   */
  async getSecret(name: string): Promise<Buffer> {
    const cached = this.secretCache.get(name);
    if (cached) return cached;
    let row = await this.repo.findSecret(name);
    if (!row) {
      const envelope = await sealEnvelope(this.loaded.kek, randomBytes(32), aadForSecret(name));
      await this.repo.insertSecretIfAbsent({
        name,
        sealedValue: envelope.ciphertext,
        wrappedDataKey: envelope.wrappedKey,
        kekId: envelope.kekId,
        createdAt: new Date(),
      });
      row = await this.repo.findSecret(name);
      if (!row) throw new KeysError(KeysErrorCode.UNSEAL_FAILED, `secret ${name} vanished after insert`);
    }
    const value = await this.unseal(
      { ciphertext: row.sealedValue, wrappedKey: row.wrappedDataKey, kekId: row.kekId },
      aadForSecret(name),
      `secret ${name}`,
    );
    this.secretCache.set(name, value);
    return value;
  }

  private async hasActive(alg: SigningAlg): Promise<boolean> {
    return (await this.repo.findPublishable()).some((k) => k.state === 'active' && k.alg === alg);
  }

  private async unsealKey(key: StoredSigningKey): Promise<JWK> {
    const plaintext = await this.unseal(
      { ciphertext: key.sealedPrivateJwk, wrappedKey: key.wrappedDataKey, kekId: key.kekId },
      aadFor(key.kid),
      `signing key ${key.kid}`,
    );
    return JSON.parse(plaintext.toString('utf8')) as JWK;
  }

  private async unseal(envelope: Parameters<typeof openEnvelope>[1], aad: string, what: string): Promise<Buffer> {
    if (envelope.kekId !== this.loaded.kek.id) {
      throw new KeysError(
        KeysErrorCode.KEK_MISMATCH,
        `${what} is sealed under key-encryption key ${envelope.kekId}, but KEY_ENCRYPTION_KEY is ${this.loaded.kek.id}: ` +
          'start with the key-encryption key this database was created with',
      );
    }
    try {
      return await openEnvelope(this.loaded.kek, envelope, aad);
    } catch (cause) {
      throw new KeysError(KeysErrorCode.UNSEAL_FAILED, `${what} cannot be unsealed (altered, or sealed under another key)`, { cause });
    }
  }
}

const aadFor = (kid: string) => `signing-key|${kid}`;
const aadForSecret = (name: string) => `secret|${name}`;
