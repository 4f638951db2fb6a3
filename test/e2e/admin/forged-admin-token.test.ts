import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE } from '../../../src/admin/index.js';
import { waitFor } from '../../support/ports.js';
import { BOOTSTRAP_ID, startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';

/**
 * The insider walk of issue #17: a key-admin imports a private key of their own, signs an
 * admin token with it that claims super-admin, and calls the admin API. Step 1 is refused to a
 * key-admin; when a super-admin did import the key, step 3 is refused all the same: the admin
 * API accepts only tokens this service issued and still holds, whatever key signed them.
 */
describe('a key-admin forging a super-admin token with a key of their own', () => {
  let api: AdminApi;
  let keyAdmin: string;
  let root: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let jwk: Record<string, unknown>;

  beforeAll(async () => {
    api = await startAdminApi();
    root = await api.token(['super-admin']);
    keyAdmin = await api.token(['key-admin']);
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.privateKey)), kid: 'imported-x', alg: 'ES256' };
  });

  afterAll(async () => {
    await api?.close();
  });

  const forge = (claims: Record<string, unknown>) =>
    new SignJWT({ client_id: BOOTSTRAP_ID, sub: BOOTSTRAP_ID, scope: 'admin:super-admin', jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'imported-x', typ: 'at+jwt' })
      .setIssuer(api.url)
      .setAudience(ADMIN_RESOURCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('step 1: a key-admin may not import a key as active or next', async () => {
    for (const state of ['active', 'next']) {
      const res = await api.call('POST', '/admin/v1/keys/import', { token: keyAdmin, body: { jwk, alg: 'ES256', kid: 'imported-x', state } });
      expect(res.status, state).toBe(403);
    }
    const listed = await api.call('GET', '/admin/v1/keys', { token: keyAdmin });
    expect(listed.body.items.map((k: { kid: string }) => k.kid)).not.toContain('imported-x');
  });

  it('step 3: even with the key imported by a super-admin, the forged token is refused', async () => {
    const imported = await api.call('POST', '/admin/v1/keys/import', { token: root, body: { jwk, alg: 'ES256', kid: 'imported-x', state: 'active' } });
    expect(imported.status).toBe(201);
    const jwks = await waitFor('the imported key in /jwks', async () => {
      const body = (await (await fetch(`${api.url}/jwks`)).json()) as JSONWebKeySet;
      return body.keys.some((k) => k.kid === 'imported-x') ? body : undefined;
    });

    const forged = await forge({});
    // Not vacuous: the forgery verifies against what the service publishes.
    await expect(jwtVerify(forged, createLocalJWKSet(jwks), { issuer: api.url, audience: ADMIN_RESOURCE, typ: 'at+jwt' })).resolves.toBeTruthy();
    const whoami = await api.call('GET', '/admin/v1/whoami', { token: forged });
    expect(whoami.status).toBe(401);
    expect((await api.call('GET', '/admin/v1/users', { token: forged })).status).toBe(401);

    // A jti copied from a token the service did issue does not make the forgery its own.
    const issued = decodeJwt(keyAdmin);
    const withRealJti = await forge({ jti: issued.jti, client_id: issued.client_id, sub: issued.sub });
    expect((await api.call('GET', '/admin/v1/whoami', { token: withRealJti })).status).toBe(401);

    // The service's own tokens keep working.
    expect((await api.call('GET', '/admin/v1/whoami', { token: root })).body).toMatchObject({ kind: 'client', roles: ['super-admin'] });
  });

  it('audits the import with the key thumbprint and where the key came from', async () => {
    const res = await api.call('GET', '/admin/v1/audit/events?type=keys.imported', { token: root });
    expect(res.status).toBe(200);
    const [record] = res.body.items;
    expect(record.details).toMatchObject({
      kid: 'imported-x',
      state: 'active',
      source: 'jwk',
      thumbprint: await calculateJwkThumbprint({ kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }),
    });
  });
});
