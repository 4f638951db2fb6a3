import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesGcmOpen, aesGcmSeal, LocalKeyEncryptionKey, openEnvelope, sealEnvelope } from './kek.js';

describe('sealing under the key-encryption key', () => {
  const kek = new LocalKeyEncryptionKey(randomBytes(32));

  it('round-trips and never stores the plaintext', async () => {
    const secret = Buffer.from('{"d":"private-key-material"}');
    const envelope = await sealEnvelope(kek, secret, 'signing-key|kid1');
    expect(JSON.stringify(envelope)).not.toContain('private-key-material');
    expect((await openEnvelope(kek, envelope, 'signing-key|kid1')).equals(secret)).toBe(true);
  });

  it('refuses a value moved to another record (AAD), altered, or opened with another KEK', async () => {
    const envelope = await sealEnvelope(kek, Buffer.from('secret'), 'signing-key|kid1');
    await expect(openEnvelope(kek, envelope, 'signing-key|kid2')).rejects.toThrow();
    const [v, iv, ct, tag] = envelope.ciphertext.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0]! ^= 1;
    await expect(openEnvelope(kek, { ...envelope, ciphertext: [v, iv, flipped.toString('base64url'), tag].join('.') }, 'signing-key|kid1')).rejects.toThrow();
    const other = new LocalKeyEncryptionKey(randomBytes(32));
    await expect(openEnvelope(other, envelope, 'signing-key|kid1')).rejects.toThrow(/sealed under key-encryption key/);
  });

  it('uses a fresh IV every time', () => {
    const key = randomBytes(32);
    expect(aesGcmSeal(key, Buffer.from('x'), 'a')).not.toBe(aesGcmSeal(key, Buffer.from('x'), 'a'));
    expect(aesGcmOpen(key, aesGcmSeal(key, Buffer.from('x'), 'a'), 'a').toString()).toBe('x');
  });
});
