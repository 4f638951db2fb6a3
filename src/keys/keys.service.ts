import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CompactSign, createLocalJWKSet, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { SigningAlg } from './entities/signing-key.entity.js';
import { KeyLifecycleService } from './key-lifecycle.service.js';
import { KeySealer } from './key-sealer.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';
import { KeysRepository } from './keys.repository.js';
import { keystoreFingerprint, KeystoreWatcher } from './keystore-watcher.js';

const PUBLIC_JWKS_CACHE_MS = 5_000;
const ALL_ALGS: SigningAlg[] = ['ES256', 'PS256', 'RS256', 'EdDSA'];

export interface SigningKeystore {
  /** Private JWKs in signing preference order: active keys first. Never leaves the process. */
  keys: JWK[];
  /** Identifies this keystore (kids and states); changes whenever the published set does. */
  fingerprint: string;
}

/**
 * The keys module's face to other modules: an active key for every algorithm asked for, the
 * keystore handed to the OpenID Provider, the public JWKS, verification of our own access
 * tokens (revoked keys excluded), signing of statements, and named server secrets.
 * The lifecycle (rotation, revocation, import, schedule) is KeyLifecycleService's.
 */
@Injectable()
export class KeysService {
  private readonly secretCache = new Map<string, Buffer>();
  private publicCache?: { jwks: { keys: JWK[] }; expiresAt: number };

  constructor(
    private readonly repo: KeysRepository,
    private readonly sealer: KeySealer,
    private readonly lifecycle: KeyLifecycleService,
    private readonly watcher: KeystoreWatcher,
  ) {}

  get kekSource(): 'environment' | 'generated-file' {
    return this.sealer.source;
  }

  /** Makes sure an active key of `alg` exists. Idempotent and safe on several instances at once. */
  async ensureActiveKey(alg: SigningAlg = 'ES256'): Promise<void> {
    await this.lifecycle.ensureActiveKeys([alg]);
  }

  /** Makes sure every algorithm given (clients pinned to it, configured SIGNING_ALGS) has an active key. */
  async ensureActiveKeys(algs: readonly SigningAlg[]): Promise<void> {
    await this.lifecycle.ensureActiveKeys(algs);
  }

  /**
   * Public JWKS of every published key (next, active, retired; never revoked or removed), for
   * verifying our own tokens in-process. Cached briefly and dropped on every keystore change.
   */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    const now = Date.now();
    if (this.publicCache && this.publicCache.expiresAt > now) return this.publicCache.jwks;
    const stored = await this.repo.findPublishable();
    const jwks = { keys: stored.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })) };
    this.publicCache = { jwks, expiresAt: now + PUBLIC_JWKS_CACHE_MS };
    return jwks;
  }

  /** Drops cached key material so the next call reads the database. */
  invalidateCaches(): void {
    this.publicCache = undefined;
  }

  @OnEvent('keys.rotated')
  onKeystoreChanged(): void {
    this.invalidateCaches();
  }

  /**
   * The claims of an RFC 9068 access token this issuer signed with a key that is still
   * published, or null: a revoked key's tokens, expired or altered tokens, ID tokens and tokens
   * of other issuers all come back null.
   */
  async verifyAccessToken(token: string, issuer: string): Promise<JWTPayload | null> {
    // Outside the try: a database that cannot answer is an outage (503), not a bad token.
    const jwks = createLocalJWKSet(await this.publicJwks());
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer, typ: 'at+jwt', algorithms: ALL_ALGS });
      return payload;
    } catch {
      return null;
    }
  }

  /**
   * Signs a JSON payload as a compact JWS with the active key of `alg` (audit checkpoints and
   * other statements verifiable against the published JWKS). `typ` names what is signed.
   */
  async signJws(payload: unknown, typ: string, alg: SigningAlg = 'ES256'): Promise<string> {
    const stored = (await this.repo.findPublishable()).find((k) => k.state === 'active' && k.alg === alg);
    if (!stored) throw new KeysError(KeysErrorCode.NO_ACTIVE_KEY, `no active ${alg} signing key`);
    const key = await importJWK(await this.sealer.openSigningKey(stored), alg);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg, kid: stored.kid, typ }).sign(key);
  }

  /** The private keystore for the OpenID Provider: every published key, unsealed, active first. */
  async loadSigningKeystore(): Promise<SigningKeystore> {
    const stored = await this.repo.findPublishable();
    if (!stored.some((k) => k.state === 'active')) {
      throw new KeysError(KeysErrorCode.NO_ACTIVE_KEY, 'no active signing key exists');
    }
    const keys = await Promise.all(stored.map(async (k) => ({ ...(await this.sealer.openSigningKey(k)), kid: k.kid, alg: k.alg, use: 'sig' })));
    const { fingerprint } = keystoreFingerprint(stored);
    this.watcher.observeLoaded(fingerprint);
    return { keys, fingerprint };
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
      const envelope = await this.sealer.sealSecret(name, randomBytes(32));
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
    const value = await this.sealer.openSecret(row);
    this.secretCache.set(name, value);
    return value;
  }
}
