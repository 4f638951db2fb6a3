import { compactDecrypt, createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAdminApi } from '../../integration/admin/admin-api.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { signIn } from '../../support/sign-in-flow.js';

const REDIRECT = 'https://results.hospital.test/callback';
const EMAIL = 'lab.tech@hospital.test';
const PASSWORD = 'a long and unusual passphrase 8';

type Key = { kid: string; privateKey: oidc.CryptoKey; publicJwk: JWK };

async function encryptionKey(alg: 'RSA-OAEP-256' | 'ECDH-ES', kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'ECDH-ES' ? { crv: 'P-256' } : { modulusLength: 2048 });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'enc' } };
}

const parts = (jwt: string) => jwt.split('.').length;

/**
 * Encryption beyond TLS (#10): a client that registers an encryption key gets its ID tokens and
 * userinfo as JWE (RSA-OAEP-256 or ECDH-ES, A256GCM), openid-client as the relying party
 * decrypts them, and inside is a signed token that verifies against /jwks. Clients without a
 * key keep plain signed ID tokens; bad registrations are refused by field and change nothing.
 */
describe('encrypted ID tokens and userinfo', () => {
  const api = useAdminApi();
  let admin: string;
  let userId: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  const register = (body: Record<string, unknown>) =>
    api.call('POST', '/admin/v1/clients', {
      token: admin,
      body: { type: 'confidential', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], mfaPolicy: 'optional', ...body },
    });

  /** A sign-in by the relying party of this client; records the raw token responses it received. */
  async function signInAs(client: { clientId: string; clientSecret: string }, key?: Key) {
    const config = await oidc.discovery(new URL(api.url), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    if (key) oidc.enableDecryptingResponses(config, ['A256GCM'], { key: key.privateKey, kid: key.kid });
    const raw: Array<Record<string, string>> = [];
    config[oidc.customFetch] = async (url, options) => {
      const res = await fetch(url, options as RequestInit);
      if (new URL(url).pathname === '/token') raw.push((await res.clone().json()) as Record<string, string>);
      return res;
    };
    const { tokens } = await signIn(new HttpBrowser(api.url), config, REDIRECT, { email: EMAIL, password: PASSWORD });
    expect(raw).toHaveLength(1);
    return { config, tokens, rawIdToken: raw[0]!.id_token!, accessToken: tokens.access_token };
  }

  const rawUserinfo = (accessToken: string) => fetch(new URL('/userinfo', api.url), { headers: { authorization: `Bearer ${accessToken}` } });

  beforeAll(async () => {
    admin = await api.token(['client-admin', 'user-admin']);
    const user = await api.call('POST', '/admin/v1/users', {
      token: admin,
      body: { email: EMAIL, password: PASSWORD, givenName: 'Lab', familyName: 'Tech', roles: ['clinician'] },
    });
    expect(user.status).toBe(201);
    userId = user.body.id;
    jwks = createRemoteJWKSet(new URL('/jwks', api.url));
  });

  it('advertises exactly RSA-OAEP-256 and ECDH-ES with A256GCM, and no encrypted request objects', async () => {
    const discovery = (await (await fetch(new URL('/.well-known/openid-configuration', api.url))).json()) as Record<string, unknown>;
    expect(discovery.id_token_encryption_alg_values_supported).toEqual(['RSA-OAEP-256', 'ECDH-ES']);
    expect(discovery.id_token_encryption_enc_values_supported).toEqual(['A256GCM']);
    expect(discovery.userinfo_encryption_alg_values_supported).toEqual(['RSA-OAEP-256', 'ECDH-ES']);
    expect(discovery.userinfo_encryption_enc_values_supported).toEqual(['A256GCM']);
    expect(discovery.request_object_encryption_alg_values_supported ?? []).toEqual([]);
  });

  it.each([
    ['RSA-OAEP-256', 'rp-rsa-enc'],
    ['ECDH-ES', 'rp-ec-enc'],
  ] as const)('%s: the ID token and userinfo are JWE that decrypt to tokens signed by Caduceus', async (alg, kid) => {
    const key = await encryptionKey(alg, kid);
    const registered = await register({
      name: `Results viewer (${alg})`,
      jwks: { keys: [key.publicJwk] },
      idTokenEncryptedResponseAlg: alg,
      userinfoEncryptedResponseAlg: alg,
      ...(alg === 'ECDH-ES' ? { userinfoEncryptedResponseEnc: 'A256GCM' } : {}),
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      idTokenEncryptedResponseAlg: alg,
      idTokenEncryptedResponseEnc: 'A256GCM',
      userinfoEncryptedResponseAlg: alg,
      userinfoEncryptedResponseEnc: 'A256GCM',
    });
    const clientId = registered.body.clientId as string;
    const { tokens, rawIdToken, accessToken } = await signInAs({ clientId, clientSecret: registered.body.clientSecret }, key);

    // On the wire: a five-part compact JWE to the client's key, never the signed token itself.
    expect(parts(rawIdToken)).toBe(5);
    expect(decodeProtectedHeader(rawIdToken)).toMatchObject({ alg, enc: 'A256GCM', cty: 'JWT', kid });
    const { plaintext } = await compactDecrypt(rawIdToken, key.privateKey);
    const inner = new TextDecoder().decode(plaintext);
    const { payload, protectedHeader } = await jwtVerify(inner, jwks, { issuer: api.url, audience: clientId });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: userId, amr: ['pwd'] });
    expect(payload.auth_time).toEqual(expect.any(Number));
    // openid-client decrypted and validated the same token (nonce included).
    expect(oidc.getDecryptedResponses(tokens)?.id_token?.token_endpoint).toBe(inner);
    expect(tokens.claims()?.sub).toBe(userId);

    const res = await rawUserinfo(accessToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwt/);
    const userinfoJwe = await res.text();
    expect(parts(userinfoJwe)).toBe(5);
    expect(decodeProtectedHeader(userinfoJwe)).toMatchObject({ alg, enc: 'A256GCM', kid });
    const userinfoJws = new TextDecoder().decode((await compactDecrypt(userinfoJwe, key.privateKey)).plaintext);
    const { payload: claims } = await jwtVerify(userinfoJws, jwks, { issuer: api.url, audience: clientId });
    expect(claims).toMatchObject({ sub: userId, email: EMAIL, name: 'Lab Tech', roles: ['clinician'] });

    const config = await oidc.discovery(new URL(api.url), clientId, undefined, oidc.ClientSecretBasic(registered.body.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    oidc.enableDecryptingResponses(config, ['A256GCM'], { key: key.privateKey, kid });
    expect(await oidc.fetchUserInfo(config, accessToken, userId)).toMatchObject({ sub: userId, email: EMAIL });
  });

  it('keeps plain signed ID tokens for a client without a key; encryption added and removed by update, audited', async () => {
    const registered = await register({ name: 'Ward board (plain)' });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ idTokenEncryptedResponseAlg: null, userinfoEncryptedResponseAlg: null });
    const client = { clientId: registered.body.clientId as string, clientSecret: registered.body.clientSecret as string };
    const path = `/admin/v1/clients/${client.clientId}`;

    const plain = await signInAs(client);
    expect(parts(plain.rawIdToken)).toBe(3);
    await expect(jwtVerify(plain.rawIdToken, jwks, { issuer: api.url, audience: client.clientId })).resolves.toBeTruthy();
    const plainUserinfo = await rawUserinfo(plain.accessToken);
    expect(plainUserinfo.headers.get('content-type')).toMatch(/^application\/json/);

    const key = await encryptionKey('RSA-OAEP-256', 'ward-enc');
    const patched = await api.call('PATCH', path, {
      token: admin,
      headers: { 'if-match': registered.headers.get('etag')! },
      body: { jwks: { keys: [key.publicJwk] }, idTokenEncryptedResponseAlg: 'RSA-OAEP-256' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ idTokenEncryptedResponseAlg: 'RSA-OAEP-256', idTokenEncryptedResponseEnc: 'A256GCM', userinfoEncryptedResponseAlg: null });

    const auditor = await api.token(['auditor']);
    const audit = await api.call('GET', `/admin/v1/audit/events?type=client.updated&subject=${client.clientId}&subjectType=client`, { token: auditor });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details.changed).toEqual(expect.arrayContaining(['idTokenEncryptedResponseAlg', 'idTokenEncryptedResponseEnc', 'jwks']));
    expect(audit.body.items[0].details.before.idTokenEncryptedResponseAlg ?? null).toBeNull();
    expect(audit.body.items[0].details.after).toMatchObject({ idTokenEncryptedResponseAlg: 'RSA-OAEP-256', idTokenEncryptedResponseEnc: 'A256GCM' });

    const encrypted = await signInAs(client, key);
    expect(parts(encrypted.rawIdToken)).toBe(5);
    // Only the ID token was asked for: userinfo stays plain JSON.
    expect((await rawUserinfo(encrypted.accessToken)).headers.get('content-type')).toMatch(/^application\/json/);

    const removed = await api.call('PATCH', path, {
      token: admin,
      headers: { 'if-match': patched.headers.get('etag')! },
      body: { idTokenEncryptedResponseAlg: null },
    });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ idTokenEncryptedResponseAlg: null, idTokenEncryptedResponseEnc: null });
    expect(parts((await signInAs(client)).rawIdToken)).toBe(3);
  });

  it('refuses bad registrations and updates with a problem naming the field, and changes nothing', async () => {
    const rsa = await encryptionKey('RSA-OAEP-256', 'bad-rsa');
    const ec = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const privateJwk = { ...(await exportJWK(ec.privateKey)), use: 'enc' };
    const before = (await api.call('GET', '/admin/v1/clients?limit=200', { token: admin })).body.items.length;

    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an alg without a key', { idTokenEncryptedResponseAlg: 'RSA-OAEP-256' }, 'idTokenEncryptedResponseAlg'],
      ['an alg whose key is of another type', { jwks: { keys: [rsa.publicJwk] }, userinfoEncryptedResponseAlg: 'ECDH-ES' }, 'userinfoEncryptedResponseAlg'],
      ['a private key in jwks', { jwks: { keys: [privateJwk] }, idTokenEncryptedResponseAlg: 'ECDH-ES' }, 'jwks.keys.0'],
      ['RSA1_5', { jwks: { keys: [rsa.publicJwk] }, idTokenEncryptedResponseAlg: 'RSA1_5' }, 'idTokenEncryptedResponseAlg'],
      ['A128CBC-HS256', { jwks: { keys: [rsa.publicJwk] }, idTokenEncryptedResponseAlg: 'RSA-OAEP-256', idTokenEncryptedResponseEnc: 'A128CBC-HS256' }, 'idTokenEncryptedResponseEnc'],
      ['an enc without its alg', { jwks: { keys: [rsa.publicJwk] }, userinfoEncryptedResponseEnc: 'A256GCM' }, 'userinfoEncryptedResponseEnc'],
    ];
    for (const [label, body, field] of cases) {
      const res = await register({ name: `Refused: ${label}`, ...body });
      expect(res.status, label).toBe(400);
      expect(res.headers.get('content-type'), label).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field), label).toContain(field);
      expect(JSON.stringify(res.body), label).not.toMatch(/at .*\.(js|ts):\d+/);
    }
    expect((await api.call('GET', '/admin/v1/clients?limit=200', { token: admin })).body.items.length).toBe(before);

    const plain = await register({ name: 'Pharmacy (update refused)' });
    const path = `/admin/v1/clients/${plain.body.clientId}`;
    const refused = await api.call('PATCH', path, {
      token: admin,
      headers: { 'if-match': plain.headers.get('etag')! },
      body: { idTokenEncryptedResponseAlg: 'ECDH-ES' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain('idTokenEncryptedResponseAlg');
    const after = await api.call('GET', path, { token: admin });
    expect(after.headers.get('etag')).toBe(plain.headers.get('etag'));
    expect(after.body.idTokenEncryptedResponseAlg).toBeNull();
  });

  it('describes the encryption fields in the OpenAPI document', async () => {
    const doc = JSON.stringify((await api.call('GET', '/admin/openapi.json')).body);
    for (const field of ['idTokenEncryptedResponseAlg', 'idTokenEncryptedResponseEnc', 'userinfoEncryptedResponseAlg', 'userinfoEncryptedResponseEnc']) {
      expect(doc).toContain(`"${field}"`);
    }
    expect(doc).toContain('"RSA-OAEP-256"');
    expect(doc).toContain('"ECDH-ES"');
  });
});
