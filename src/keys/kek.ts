import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A key-encryption key (KEK) wraps the per-secret data keys (envelope encryption).
 * The interface is what an external KMS (AWS KMS, Azure Key Vault, Vault transit) would
 * implement; callers never see the KEK itself.
 */
export interface KeyEncryptionKey {
  /** Stable identifier of this KEK, stored beside every wrapped key so rotation can find them. */
  readonly id: string;
  wrap(dataKey: Buffer, aad: string): Promise<string>;
  unwrap(wrapped: string, aad: string): Promise<Buffer>;
}

const VERSION = 'v1';

/** AES-256-GCM with a 96-bit random IV; output `v1.<iv>.<ciphertext>.<tag>` in base64url. */
export function aesGcmSeal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Inverse of aesGcmSeal; throws when the key, the AAD or any byte is wrong. */
export function aesGcmOpen(key: Buffer, sealed: string, aad: string): Buffer {
  const [version, iv, ciphertext, tag] = sealed.split('.');
  if (version !== VERSION || !iv || ciphertext === undefined || !tag) throw new Error('unrecognised sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

/** A KEK held in process memory, from KEY_ENCRYPTION_KEY (or the embedded mode's key file). */
export class LocalKeyEncryptionKey implements KeyEncryptionKey {
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a local key-encryption key must be 32 bytes');
    this.id = `local:${createHash('sha256').update('caduceus-kek-id').update(key).digest('hex').slice(0, 16)}`;
  }

  async wrap(dataKey: Buffer, aad: string): Promise<string> {
    return aesGcmSeal(this.key, dataKey, `kek|${aad}`);
  }

  async unwrap(wrapped: string, aad: string): Promise<Buffer> {
    return aesGcmOpen(this.key, wrapped, `kek|${aad}`);
  }
}

export interface SealedEnvelope {
  ciphertext: string;
  wrappedKey: string;
  kekId: string;
}

/** Envelope encryption: a fresh data key per value, the data key wrapped by the KEK. */
export async function sealEnvelope(kek: KeyEncryptionKey, plaintext: Buffer, aad: string): Promise<SealedEnvelope> {
  const dataKey = randomBytes(32);
  try {
    return { ciphertext: aesGcmSeal(dataKey, plaintext, aad), wrappedKey: await kek.wrap(dataKey, aad), kekId: kek.id };
  } finally {
    dataKey.fill(0);
  }
}

export async function openEnvelope(kek: KeyEncryptionKey, envelope: SealedEnvelope, aad: string): Promise<Buffer> {
  if (envelope.kekId !== kek.id) {
    throw new Error(`sealed under key-encryption key ${envelope.kekId}, but the configured one is ${kek.id}`);
  }
  const dataKey = await kek.unwrap(envelope.wrappedKey, aad);
  try {
    return aesGcmOpen(dataKey, envelope.ciphertext, aad);
  } finally {
    dataKey.fill(0);
  }
}
