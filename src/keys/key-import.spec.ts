import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importSigningKey } from './key-import.js';
import { KeysError } from './keys.errors.js';

function pem(type: 'ec' | 'ed25519' | 'rsa', options: { namedCurve?: string; modulusLength?: number } = {}): string {
  const { privateKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: options.namedCurve ?? 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 })
        : generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

async function fieldOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KeysError) return err.field;
    throw err;
  }
  return undefined;
}

describe('importSigningKey', () => {
  it('takes P-256, Ed25519 and RSA private keys and derives the public half', async () => {
    const ec = await importSigningKey({ pem: pem('ec', { namedCurve: 'P-256' }) });
    expect(ec).toMatchObject({ alg: 'ES256', publicJwk: { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' } });
    expect(ec.publicJwk).not.toHaveProperty('d');
    const ed = await importSigningKey({ pem: pem('ed25519') });
    expect(ed).toMatchObject({ alg: 'EdDSA', publicJwk: { kty: 'OKP', crv: 'Ed25519' } });
    const rsa = await importSigningKey({ pem: pem('rsa', { modulusLength: 2048 }), alg: 'PS256', kid: 'old-idp-2024' });
    expect(rsa).toMatchObject({ kid: 'old-idp-2024', alg: 'PS256', publicJwk: { kty: 'RSA', kid: 'old-idp-2024' } });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(rsa.publicJwk).not.toHaveProperty(member);
  });

  it('keeps the kid of an imported JWK, so tokens the old IdP signed still find their key', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const imported = await importSigningKey({ jwk: { ...jwk, kid: 'legacy-1' } });
    expect(imported.kid).toBe('legacy-1');
  });

  it.each([
    { name: 'a public key', input: () => ({ pem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string }), field: 'pem' },
    { name: 'a JWK without its private part', input: () => ({ jwk: { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) } }), field: 'jwk.d' },
    { name: 'RSA under 2048 bits', input: () => ({ pem: pem('rsa', { modulusLength: 1024 }), alg: 'RS256' as const }), field: 'pem' },
    { name: 'RSA without saying RS256 or PS256', input: () => ({ pem: pem('rsa', { modulusLength: 2048 }) }), field: 'alg' },
    { name: 'an EC key declared as RS256', input: () => ({ pem: pem('ec', { namedCurve: 'P-256' }), alg: 'RS256' as const }), field: 'alg' },
    { name: 'a P-384 key', input: () => ({ pem: pem('ec', { namedCurve: 'P-384' }) }), field: 'pem' },
    { name: 'garbage', input: () => ({ pem: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }), field: 'pem' },
    {
      name: 'a JWK whose public point belongs to another key',
      input: () => {
        const a = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
        const b = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
        return { jwk: { ...a, x: b.x, y: b.y } };
      },
      field: 'jwk',
    },
  ])('refuses $name, naming the field', async ({ input, field }) => {
    expect(await fieldOf(importSigningKey(input()))).toBe(field);
  });
});
