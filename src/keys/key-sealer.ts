import { Inject, Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { openEnvelope, sealEnvelope, type KeyEncryptionKey, type SealedEnvelope } from './kek.js';
import type { LoadedKek } from './kek.loader.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';

export const KEK = Symbol('KEK');

export const aadForKey = (kid: string) => `signing-key|${kid}`;
export const aadForSecret = (name: string) => `secret|${name}`;

/**
 * Envelope sealing of private keys and secrets under the key-encryption key.
 * Rules: always seals under the current KEK; opens under the current KEK or, during a KEK
 * rotation, the previous one (KEY_ENCRYPTION_KEY_PREVIOUS); anything else fails closed.
 */
@Injectable()
export class KeySealer {
  constructor(@Inject(KEK) private readonly loaded: LoadedKek) {}

  get source(): LoadedKek['source'] {
    return this.loaded.source;
  }

  get currentKekId(): string {
    return this.loaded.kek.id;
  }

  /** KEK ids this instance can open, current first. */
  get knownKekIds(): string[] {
    return [this.loaded.kek.id, ...(this.loaded.previous ? [this.loaded.previous.id] : [])];
  }

  async sealSigningKey(kid: string, privateJwk: JWK): Promise<SealedEnvelope> {
    return sealEnvelope(this.loaded.kek, Buffer.from(JSON.stringify(privateJwk)), aadForKey(kid));
  }

  async openSigningKey(key: { kid: string; sealedPrivateJwk: string; wrappedDataKey: string; kekId: string }): Promise<JWK> {
    const plaintext = await this.open(
      { ciphertext: key.sealedPrivateJwk, wrappedKey: key.wrappedDataKey, kekId: key.kekId },
      aadForKey(key.kid),
      `signing key ${key.kid}`,
    );
    return JSON.parse(plaintext.toString('utf8')) as JWK;
  }

  async sealSecret(name: string, value: Buffer): Promise<SealedEnvelope> {
    return sealEnvelope(this.loaded.kek, value, aadForSecret(name));
  }

  async openSecret(row: { name: string; sealedValue: string; wrappedDataKey: string; kekId: string }): Promise<Buffer> {
    return this.open({ ciphertext: row.sealedValue, wrappedKey: row.wrappedDataKey, kekId: row.kekId }, aadForSecret(row.name), `secret ${row.name}`);
  }

  /**
   * Re-wraps the data key under the current KEK. The ciphertext, and so the key or secret it
   * holds, is unchanged; the result is opened once more before it is returned.
   */
  async rewrap(envelope: SealedEnvelope, aad: string, what: string): Promise<SealedEnvelope> {
    const from = this.kekFor(envelope.kekId, what);
    let dataKey: Buffer;
    try {
      dataKey = await from.unwrap(envelope.wrappedKey, aad);
    } catch (cause) {
      throw new KeysError(KeysErrorCode.UNSEAL_FAILED, `${what} cannot be unsealed (altered, or sealed under another key)`, { cause });
    }
    try {
      const rewrapped = { ciphertext: envelope.ciphertext, wrappedKey: await this.loaded.kek.wrap(dataKey, aad), kekId: this.loaded.kek.id };
      await this.open(rewrapped, aad, what);
      return rewrapped;
    } finally {
      dataKey.fill(0);
    }
  }

  private kekFor(kekId: string, what: string): KeyEncryptionKey {
    if (kekId === this.loaded.kek.id) return this.loaded.kek;
    if (this.loaded.previous && kekId === this.loaded.previous.id) return this.loaded.previous;
    throw new KeysError(
      KeysErrorCode.KEK_MISMATCH,
      `${what} is sealed under key-encryption key ${kekId}, but KEY_ENCRYPTION_KEY is ${this.loaded.kek.id}` +
        (this.loaded.previous ? ` and KEY_ENCRYPTION_KEY_PREVIOUS is ${this.loaded.previous.id}` : '') +
        ': start with the key-encryption key this database was sealed with (see "Rotating the key-encryption key" in the README)',
    );
  }

  private async open(envelope: SealedEnvelope, aad: string, what: string): Promise<Buffer> {
    const kek = this.kekFor(envelope.kekId, what);
    try {
      return await openEnvelope(kek, envelope, aad);
    } catch (cause) {
      throw new KeysError(KeysErrorCode.UNSEAL_FAILED, `${what} cannot be unsealed (altered, or sealed under another key)`, { cause });
    }
  }
}
