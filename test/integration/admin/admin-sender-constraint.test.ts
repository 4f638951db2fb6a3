import { createHash, randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE } from '../../../src/admin/index.js';
import { startAdminApi, type AdminApi } from './admin-api.js';

/**
 * A sender-constrained admin token (#17): a DPoP-bound one (cnf.jkt) counts only under the DPoP
 * scheme with a valid proof from its key (RFC 9449 §7); presented as a plain bearer token, or
 * with a proof that is not for this request, token and key, it is refused.
 */
describe('DPoP-bound admin access tokens', () => {
  let api: AdminApi;
  let config: oidc.Configuration;
  let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
  let token: string;

  beforeAll(async () => {
    api = await startAdminApi();
    const created = await api.call('POST', '/admin/v1/clients', {
      token: await api.token(['super-admin']),
      body: { name: 'dpop bot', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:auditor'] },
    });
    expect(created.status).toBe(201);
    config = await oidc.discovery(new URL(api.url), created.body.clientId, undefined, oidc.ClientSecretBasic(created.body.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    keys = await generateKeyPair('ES256', { extractable: true });
    const grant = () => oidc.clientCredentialsGrant(config, { resource: ADMIN_RESOURCE, scope: 'admin:auditor' }, { DPoP: oidc.getDPoPHandle(config, keys) });
    // The token endpoint asks for a DPoP nonce first (use_dpop_nonce); the retry carries it.
    const response = await grant().catch((err: unknown) => {
      if (err instanceof oidc.ResponseBodyError && err.error === 'use_dpop_nonce') return grant();
      throw err;
    });
    expect(response.token_type.toLowerCase()).toBe('dpop');
    token = response.access_token;
    expect(decodeJwt(token).cnf).toMatchObject({ jkt: expect.any(String) });
  });

  afterAll(async () => {
    await api?.close();
  });

  const whoamiUrl = () => new URL('/admin/v1/whoami', api.url);
  const proof = async (key: CryptoKey, publicKey: CryptoKey, claims: Record<string, unknown> = {}) =>
    new SignJWT({ htm: 'GET', htu: whoamiUrl().href, jti: randomUUID(), ath: createHash('sha256').update(token).digest('base64url'), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(key);
  const call = (headers: Record<string, string>) => api.call('GET', '/admin/v1/whoami', { headers });

  it('opens the admin API with a DPoP proof from its key', async () => {
    const res = await oidc.fetchProtectedResource(config, token, whoamiUrl(), 'GET', undefined, undefined, { DPoP: oidc.getDPoPHandle(config, keys) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: 'client', roles: ['auditor'] });
  });

  it('is refused as a plain bearer token', async () => {
    const res = await call({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('this access token is DPoP-bound: present it with the DPoP scheme and a DPoP proof');
  });

  it('is refused with a proof from another key, for another URL or token, or none at all', async () => {
    const other = await generateKeyPair('ES256', { extractable: true });
    const cases: Array<[Record<string, string>, string]> = [
      [{ authorization: `DPoP ${token}` }, 'a DPoP-bound access token needs exactly one DPoP proof header'],
      [{ authorization: `DPoP ${token}`, dpop: await proof(other.privateKey, other.publicKey) }, 'the DPoP proof is signed by another key than the token is bound to'],
      [{ authorization: `DPoP ${token}`, dpop: await proof(keys.privateKey, keys.publicKey, { htu: new URL('/admin/v1/users', api.url).href }) }, 'the DPoP proof is for another URL'],
      [{ authorization: `DPoP ${token}`, dpop: await proof(keys.privateKey, keys.publicKey, { htm: 'POST' }) }, 'the DPoP proof is for another method'],
      [{ authorization: `DPoP ${token}`, dpop: await proof(keys.privateKey, keys.publicKey, { ath: 'x' }) }, 'the DPoP proof is for another access token'],
    ];
    for (const [headers, detail] of cases) {
      const res = await call(headers);
      expect(res.status, detail).toBe(401);
      expect(res.body.detail).toBe(detail);
    }
    // The hand-made proof itself is right: with the right key it opens, once.
    const good = await proof(keys.privateKey, keys.publicKey);
    expect((await call({ authorization: `DPoP ${token}`, dpop: good })).status).toBe(200);
    const replayed = await call({ authorization: `DPoP ${token}`, dpop: good });
    expect(replayed.status).toBe(401);
    expect(replayed.body.detail).toBe('this DPoP proof was used before: make a new one for every request');
  });

  // RFC 9449 §7.1: a refusal at a protected resource names the DPoP scheme, the error and the proof algorithms accepted.
  it('answers each refusal with a DPoP challenge: invalid_token for the token, invalid_dpop_proof for the proof', async () => {
    const algs = 'algs="ES256 PS256 RS256 EdDSA"';
    const asBearer = await call({ authorization: `Bearer ${token}` });
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="caduceus-admin", error="invalid_token", error_description="[^"]+"/);
    expect(asBearer.headers.get('www-authenticate')).toContain(algs);
    const noProof = await call({ authorization: `DPoP ${token}` });
    expect(noProof.headers.get('www-authenticate')).toMatch(/^DPoP realm="caduceus-admin", error="invalid_dpop_proof", error_description="a DPoP-bound access token needs exactly one DPoP proof header"/);
    expect(noProof.headers.get('www-authenticate')).toContain(algs);
    const wrongUrl = await call({ authorization: `DPoP ${token}`, dpop: await proof(keys.privateKey, keys.publicKey, { htu: new URL('/admin/v1/users', api.url).href }) });
    expect(wrongUrl.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
    const forged = await call({ authorization: `DPoP ${token.slice(0, -4)}AAAA`, dpop: await proof(keys.privateKey, keys.publicKey) });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^DPoP realm="caduceus-admin", error="invalid_token"/);
    // Without any token: both schemes are offered, with no error (RFC 6750 §3.1).
    const anonymous = await call({});
    expect(anonymous.headers.get('www-authenticate')).toBe(`Bearer realm="caduceus-admin", DPoP realm="caduceus-admin", ${algs}`);
  });
});
