import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminCall, kidOf, registerMachineClient, useKeysInstance } from './keys-harness.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** /admin/v1/keys: who may do what, what a key looks like from outside, and errors that name the field. */
describe('/admin/v1/keys', () => {
  const a = useKeysInstance();
  let keyAdmin: () => Promise<string>;
  let auditor: () => Promise<string>;
  let clientAdmin: () => Promise<string>;
  let superAdmin: () => Promise<string>;

  beforeAll(async () => {
    const ka = await registerMachineClient(a, ['key-admin']);
    const au = await registerMachineClient(a, ['auditor']);
    const ca = await registerMachineClient(a, ['client-admin']);
    const sa = await registerMachineClient(a, ['super-admin']);
    // Fresh tokens each time: a test may rotate or revoke the key that signed the last one.
    keyAdmin = () => ka.adminToken(a.url, ['key-admin']);
    auditor = () => au.adminToken(a.url, ['auditor']);
    clientAdmin = () => ca.adminToken(a.url, ['client-admin']);
    // Importing key material is super-admin only (#17).
    superAdmin = () => sa.adminToken(a.url, ['super-admin']);
  });

  const call = (method: string, path: string, opts?: Parameters<typeof adminCall>[3]) => adminCall(a.url, method, path, opts);

  describe('authentication and roles', () => {
    it('answers 401 problem+json without a bearer token', async () => {
      for (const [method, path] of [
        ['GET', '/admin/v1/keys'],
        ['POST', '/admin/v1/keys/rotate'],
        ['PUT', '/admin/v1/keys/schedule'],
      ] as const) {
        const res = await call(method, path, { body: method === 'GET' ? undefined : {} });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    });

    it('answers 403 to a role that does not manage keys, and lets an auditor read but not act', async () => {
      const other = await clientAdmin();
      expect((await call('GET', '/admin/v1/keys', { token: other })).status).toBe(403);
      expect((await call('POST', '/admin/v1/keys/rotate', { token: other, body: {} })).status).toBe(403);

      const reader = await auditor();
      expect((await call('GET', '/admin/v1/keys', { token: reader })).status).toBe(200);
      expect((await call('GET', '/admin/v1/keys/schedule', { token: reader })).status).toBe(200);
      const refused = await call('POST', '/admin/v1/keys/rotate', { token: reader, body: {} });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ status: 403, title: 'Forbidden' });
      const kid = kidOf(reader);
      expect((await call('POST', `/admin/v1/keys/${kid}/revoke`, { token: reader, body: { reason: 'x' } })).status).toBe(403);
      expect((await call('PUT', '/admin/v1/keys/schedule', { token: reader, body: { rotationIntervalSeconds: 86400, prePublicationWindowSeconds: 3600 } })).status).toBe(403);
    });
  });

  describe('listing', () => {
    it('lists keys with state, alg, kid, lifecycle times and a public JWK only', async () => {
      const token = await keyAdmin();
      const res = await call('GET', '/admin/v1/keys', { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const [key] = res.body.items;
      expect(key).toMatchObject({
        kid: kidOf(token),
        alg: 'ES256',
        state: 'active',
        source: 'generated',
        published: true,
        retiredAt: null,
        revokedAt: null,
      });
      expect(new Date(key.rotationDueAt).getTime() - new Date(key.activatedAt).getTime()).toBe(30 * 86400_000);
      expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: key.kid });
      for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member);
      expect(JSON.stringify(res.body)).not.toMatch(/"(d|p|q|dp|dq|qi|k)"\s*:/);

      const one = await call('GET', `/admin/v1/keys/${encodeURIComponent(key.kid)}`, { token });
      expect(one.body).toEqual(key);
      expect((await call('GET', '/admin/v1/keys/no-such-kid', { token })).status).toBe(404);
    });

    it('pages with limit and cursor, and filters by state', async () => {
      const token = await keyAdmin();
      await call('POST', '/admin/v1/keys/rotate', { token, body: { alg: 'EdDSA' } });
      const first = await call('GET', '/admin/v1/keys?limit=1', { token });
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await call('GET', `/admin/v1/keys?limit=1&cursor=${first.body.nextCursor}`, { token });
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0].kid).not.toBe(first.body.items[0].kid);
      const active = await call('GET', '/admin/v1/keys?state=active', { token });
      expect(active.body.items.every((k: { state: string }) => k.state === 'active')).toBe(true);
      expect(active.body.items.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
    });

    it('names the bad query field', async () => {
      const token = await keyAdmin();
      const bad = await call('GET', '/admin/v1/keys?limit=0&state=lost&cursor=zz!', { token });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['cursor', 'limit', 'state']);
    });
  });

  describe('schedule', () => {
    it('shows the environment schedule, changes it with If-Match, and refuses a lost update', async () => {
      const token = await keyAdmin();
      const current = await call('GET', '/admin/v1/keys/schedule', { token });
      expect(current.body).toMatchObject({
        rotationIntervalSeconds: 30 * 86400,
        prePublicationWindowSeconds: 86400,
        jwksMaxAgeSeconds: 300,
        source: 'environment',
      });
      const etag = current.headers.get('etag')!;
      const changed = await call('PUT', '/admin/v1/keys/schedule', {
        token,
        headers: { 'if-match': etag },
        body: { rotationIntervalSeconds: 14 * 86400, prePublicationWindowSeconds: 2 * 86400 },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ rotationIntervalSeconds: 14 * 86400, prePublicationWindowSeconds: 2 * 86400, source: 'admin' });
      expect(changed.body.updatedBy).toMatch(/^client:/);
      expect(changed.headers.get('etag')).not.toBe(etag);

      const stale = await call('PUT', '/admin/v1/keys/schedule', {
        token,
        headers: { 'if-match': etag },
        body: { rotationIntervalSeconds: 7 * 86400, prePublicationWindowSeconds: 86400 },
      });
      expect(stale.status).toBe(412);

      // The active key is now due 14 days after its activation.
      const [key] = (await call('GET', '/admin/v1/keys?state=active&alg=ES256', { token })).body.items;
      expect(new Date(key.rotationDueAt).getTime() - new Date(key.activatedAt).getTime()).toBe(14 * 86400_000);
    });

    it.each([
      {
        name: 'a window shorter than the JWKS max-age',
        body: { rotationIntervalSeconds: 86400, prePublicationWindowSeconds: 120 },
        fields: ['prePublicationWindowSeconds'],
      },
      {
        name: 'a window as long as the interval',
        body: { rotationIntervalSeconds: 86400, prePublicationWindowSeconds: 86400 },
        fields: ['prePublicationWindowSeconds'],
      },
      { name: 'an interval of a minute', body: { rotationIntervalSeconds: 60, prePublicationWindowSeconds: 300 }, fields: ['rotationIntervalSeconds'] },
      { name: 'text for a number', body: { rotationIntervalSeconds: '30d', prePublicationWindowSeconds: 86400 }, fields: ['rotationIntervalSeconds'] },
      { name: 'an unknown field', body: { rotationIntervalSeconds: 86400, prePublicationWindowSeconds: 3600, cron: '* * *' }, fields: ['cron'] },
    ])('refuses $name with 400 naming the field', async ({ body, fields }) => {
      const res = await call('PUT', '/admin/v1/keys/schedule', { token: await keyAdmin(), body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    });
  });

  describe('rotate and revoke', () => {
    it('rotates immediately on request: the new key signs the next token', async () => {
      const before = await keyAdmin();
      const res = await call('POST', '/admin/v1/keys/rotate', { token: before, body: { immediate: true } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ alg: 'ES256', nextKid: null });
      expect(res.body.activeKid).not.toBe(kidOf(before));
      expect(kidOf(await keyAdmin())).toBe(res.body.activeKid);
      const old = await call('GET', `/admin/v1/keys/${encodeURIComponent(kidOf(before))}`, { token: await keyAdmin() });
      expect(old.body).toMatchObject({ state: 'retired', published: true });
    });

    it.each([
      { name: 'an unknown algorithm', path: '/admin/v1/keys/rotate', body: { alg: 'HS256' }, field: 'alg' },
      { name: 'immediate as text', path: '/admin/v1/keys/rotate', body: { immediate: 'yes' }, field: 'immediate' },
      { name: 'a revocation without a reason', path: '/admin/v1/keys/KID/revoke', body: {}, field: 'reason' },
      { name: 'a blank reason', path: '/admin/v1/keys/KID/revoke', body: { reason: '   ' }, field: 'reason' },
    ])('refuses $name with 400 naming the field', async ({ path, body, field }) => {
      const token = await keyAdmin();
      const res = await call('POST', path.replace('KID', encodeURIComponent(kidOf(token))), { token, body });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses to revoke a key twice, and an unknown key is 404', async () => {
      const token = await keyAdmin();
      const imported = await call('POST', '/admin/v1/keys/import', {
        token: await superAdmin(),
        body: { pem: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), state: 'next' },
      });
      expect(imported.status).toBe(201);
      const kid = imported.body.kid;
      expect((await call('POST', `/admin/v1/keys/${kid}/revoke`, { token, body: { reason: 'not needed' } })).body).toMatchObject({
        previousState: 'next',
        replacedBy: null,
      });
      expect((await call('POST', `/admin/v1/keys/${kid}/revoke`, { token, body: { reason: 'again' } })).status).toBe(409);
      expect((await call('POST', '/admin/v1/keys/unknown/revoke', { token, body: { reason: 'x' } })).status).toBe(404);
    });
  });

  describe('import', () => {
    it('imports an RSA PEM as the next PS256 key: published at once, public part only', async () => {
      const token = await superAdmin();
      const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
      const res = await call('POST', '/admin/v1/keys/import', { token, body: { pem, alg: 'PS256', kid: 'old-idp-rsa-2024' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kid: 'old-idp-rsa-2024', alg: 'PS256', state: 'next', source: 'imported', published: true });
      for (const member of PRIVATE_MEMBERS) expect(res.body.publicJwk).not.toHaveProperty(member);
      const jwks = (await a.jwks()).body;
      expect(jwks.keys.find((k) => k.kid === 'old-idp-rsa-2024')).toMatchObject({ kty: 'RSA', alg: 'PS256' });
      expect(JSON.stringify(await a.db.query(`SELECT * FROM signing_keys WHERE kid = 'old-idp-rsa-2024'`))).not.toContain(
        (pem as string).split('\n')[1]!,
      );
    });

    it('imports a JWK as the active key, keeping its kid: the next token is signed with it', async () => {
      const token = await superAdmin();
      const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      const res = await call('POST', '/admin/v1/keys/import', { token, body: { jwk: { ...jwk, kid: 'legacy-es256' }, state: 'active' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ kid: 'legacy-es256', alg: 'ES256', state: 'active' });
      expect(kidOf(await keyAdmin())).toBe('legacy-es256');
      const again = await call('POST', '/admin/v1/keys/import', { token: await superAdmin(), body: { jwk: { ...jwk, kid: 'legacy-es256' } } });
      expect(again.status).toBe(409);
    });

    it.each([
      { name: 'a public key', body: () => ({ pem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) }), field: 'pem' },
      { name: 'a 1024-bit RSA key', body: () => ({ pem: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }), alg: 'RS256' }), field: 'pem' },
      { name: 'an RSA key without alg', body: () => ({ pem: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) }), field: 'alg' },
      { name: 'a public JWK', body: () => ({ jwk: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) }), field: 'jwk.d' },
      { name: 'neither pem nor jwk', body: () => ({ alg: 'ES256' }), field: 'pem' },
      { name: 'both pem and jwk', body: () => ({ pem: 'x', jwk: { kty: 'EC' } }), field: 'jwk' },
      { name: 'an unknown state', body: () => ({ pem: 'x', state: 'retired' }), field: 'state' },
    ])('refuses $name with 400 naming the field', async ({ body, field }) => {
      const res = await call('POST', '/admin/v1/keys/import', { token: await superAdmin(), body: body() });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  it('re-seals under the configured key-encryption key on request (nothing to do without a previous one)', async () => {
    const res = await call('POST', '/admin/v1/keys/kek/rotate', { token: await keyAdmin() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ signingKeys: 0, secrets: 0, fromKekIds: [] });
  });

  it('documents its routes and roles in the OpenAPI document', async () => {
    const doc = await call('GET', '/admin/openapi.json');
    expect(doc.body.paths['/admin/v1/keys'].get['x-required-roles']).toEqual(['super-admin', 'key-admin', 'auditor']);
    expect(doc.body.paths['/admin/v1/keys/{kid}/revoke'].post['x-required-roles']).toEqual(['super-admin', 'key-admin']);
  });
});
