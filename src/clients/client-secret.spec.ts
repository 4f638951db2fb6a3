import { describe, expect, it } from 'vitest';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret.js';

describe('client secret hashing', () => {
  const pepper = Buffer.alloc(32, 5);
  it('verifies the right secret only, and only under the same pepper', () => {
    const secret = generateClientSecret();
    const stored = hashClientSecret(secret, pepper);
    expect(stored).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(verifyClientSecret(secret, stored, pepper)).toBe(true);
    expect(verifyClientSecret(secret + 'x', stored, pepper)).toBe(false);
    expect(verifyClientSecret(secret, stored, Buffer.alloc(32, 6))).toBe(false);
    expect(verifyClientSecret(secret, secret, pepper)).toBe(false);
  });
  it('generates 256-bit secrets', () => {
    expect(Buffer.from(generateClientSecret(), 'base64url')).toHaveLength(32);
  });
});
