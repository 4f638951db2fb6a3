import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromProviderMetadata, toProviderMetadata } from './client-metadata.js';
import { clientRegistrationSchema, registerClientSchema, updateClientSchema } from './clients.schemas.js';

const publicJwk = (type: 'rsa' | 'ec', opts: { bits?: number; curve?: string } = {}) => {
  const { publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: opts.bits ?? 2048 })
      : generateKeyPairSync('ec', { namedCurve: opts.curve ?? 'P-256' });
  return publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
};

const rsaEnc = { ...publicJwk('rsa'), use: 'enc', kid: 'rsa-enc' };
const ecEnc = { ...publicJwk('ec'), use: 'enc', kid: 'ec-enc' };
const web = { name: 'Results viewer', type: 'confidential', redirectUris: ['https://results.hospital.test/cb'] };

const fieldsOf = (input: unknown) => {
  const result = registerClientSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('encrypted responses: registration rules', () => {
  it.each([
    ['RSA-OAEP-256 with an RSA enc key', { ...web, jwks: { keys: [rsaEnc] }, idTokenEncryptedResponseAlg: 'RSA-OAEP-256' }, []],
    ['ECDH-ES with a P-256 enc key', { ...web, jwks: { keys: [ecEnc] }, userinfoEncryptedResponseAlg: 'ECDH-ES' }, []],
    ['ECDH-ES with a P-384 enc key', { ...web, jwks: { keys: [{ ...publicJwk('ec', { curve: 'P-384' }), use: 'enc' }] }, idTokenEncryptedResponseAlg: 'ECDH-ES' }, []],
    ['an alg with a jwksUri (checked when issuing)', { ...web, jwksUri: 'https://results.hospital.test/jwks', idTokenEncryptedResponseAlg: 'ECDH-ES' }, []],
    ['an alg without any key', { ...web, idTokenEncryptedResponseAlg: 'RSA-OAEP-256' }, ['idTokenEncryptedResponseAlg']],
    ['RSA-OAEP-256 with only an EC key', { ...web, jwks: { keys: [ecEnc] }, idTokenEncryptedResponseAlg: 'RSA-OAEP-256' }, ['idTokenEncryptedResponseAlg']],
    ['ECDH-ES with only a signing key', { ...web, jwks: { keys: [{ ...publicJwk('ec'), use: 'sig' }] }, userinfoEncryptedResponseAlg: 'ECDH-ES' }, ['userinfoEncryptedResponseAlg']],
    ['an enc without its alg', { ...web, jwks: { keys: [rsaEnc] }, idTokenEncryptedResponseEnc: 'A256GCM' }, ['idTokenEncryptedResponseEnc']],
    ['RSA1_5', { ...web, jwks: { keys: [rsaEnc] }, idTokenEncryptedResponseAlg: 'RSA1_5' }, ['idTokenEncryptedResponseAlg']],
    ['a symmetric alg (dir)', { ...web, jwks: { keys: [rsaEnc] }, userinfoEncryptedResponseAlg: 'dir' }, ['userinfoEncryptedResponseAlg']],
    ['A128CBC-HS256 content encryption', { ...web, jwks: { keys: [rsaEnc] }, idTokenEncryptedResponseAlg: 'RSA-OAEP-256', idTokenEncryptedResponseEnc: 'A128CBC-HS256' }, ['idTokenEncryptedResponseEnc']],
    ['a 1024-bit RSA key', { ...web, jwks: { keys: [{ ...publicJwk('rsa', { bits: 1024 }), use: 'enc' }] } }, ['jwks.keys.0.n']],
    ['a P-521 encryption key', { ...web, jwks: { keys: [{ ...publicJwk('ec', { curve: 'P-521' }), use: 'enc' }] } }, ['jwks.keys.0.kty']],
    ['an encryption key naming RSA1_5', { ...web, jwks: { keys: [{ ...rsaEnc, alg: 'RSA1_5' }] } }, ['jwks.keys.0.alg']],
    ['an encryption key that is not a key', { ...web, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', use: 'enc' }] } }, ['jwks.keys.0']],
    ['an unknown use', { ...web, jwks: { keys: [{ ...rsaEnc, use: 'wrap' }] } }, ['jwks.keys.0.use']],
    ['a private RSA encryption key', { ...web, jwks: { keys: [{ ...rsaEnc, d: 'secret', p: 'p', q: 'q' }] } }, ['jwks.keys.0']],
  ])('%s', (_label, input, fields) => {
    expect(fieldsOf(input)).toEqual(fields);
  });

  it('stores RFC 7591 metadata with A256GCM by default and reads the same fields back', () => {
    const parsed = clientRegistrationSchema.parse({
      ...web,
      clientId: 'results-viewer',
      jwks: { keys: [rsaEnc, ecEnc] },
      idTokenEncryptedResponseAlg: 'RSA-OAEP-256',
      userinfoEncryptedResponseAlg: 'ECDH-ES',
    });
    const metadata = toProviderMetadata(parsed);
    expect(metadata).toMatchObject({
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_enc: 'A256GCM',
      // oidc-provider answers userinfo as a JWT only when it is signed: nested, with the ID token's alg.
      userinfo_signed_response_alg: 'ES256',
    });
    const back = fromProviderMetadata('results-viewer', parsed.name, parsed.mfaPolicy, metadata);
    expect(back).toMatchObject({
      idTokenEncryptedResponseAlg: 'RSA-OAEP-256',
      idTokenEncryptedResponseEnc: 'A256GCM',
      userinfoEncryptedResponseAlg: 'ECDH-ES',
      userinfoEncryptedResponseEnc: 'A256GCM',
    });
    expect(toProviderMetadata(clientRegistrationSchema.parse(back))).toEqual(metadata);
  });

  it('writes no encryption metadata for a client without it', () => {
    const metadata = toProviderMetadata(clientRegistrationSchema.parse({ ...web, clientId: 'plain' }));
    expect(Object.keys(metadata).filter((k) => /encrypted|userinfo_signed/.test(k))).toEqual([]);
  });

  it('lets an update remove an alg with null', () => {
    expect(updateClientSchema.parse({ idTokenEncryptedResponseAlg: null })).toEqual({ idTokenEncryptedResponseAlg: null });
    expect(updateClientSchema.safeParse({ userinfoEncryptedResponseAlg: 'RSA1_5' }).success).toBe(false);
  });
});
