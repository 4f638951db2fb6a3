import { beforeAll, describe, expect, it } from 'vitest';
import { useAdminApi } from '../admin/admin-api.js';

const SECRET = 'upstream-client-secret-do-not-leak';

/**
 * /admin/v1/identity-providers as an administrator uses it: super-admin only, secrets stored
 * sealed and never returned, every bad field named, lost updates prevented with ETag/If-Match,
 * creates safe to retry with Idempotency-Key, and every change audited.
 */
describe('identity providers admin API', () => {
  const api = useAdminApi();
  let token: string;

  const body = {
    id: 'st-example',
    displayName: 'St. Example Directory',
    issuer: 'https://login.st-example.org',
    clientId: 'caduceus',
    clientSecret: SECRET,
    allowedDomains: ['St-Example.org'],
    claimMapping: { preferred_given_name: 'givenName' },
    roleMapping: { 'ICU Nurses': ['nurse'] },
    trustUpstreamMfa: true,
  };

  beforeAll(async () => {
    token = await api.token(['super-admin']);
  });

  it('creates an IdP once per Idempotency-Key, never returns or stores its secret in clear', async () => {
    const headers = { 'idempotency-key': '6f1c7a52-6d2a-4d35-9a37-0f0a3c1d9b11' };
    const created = await api.call('POST', '/admin/v1/identity-providers', { token, body, headers });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/v1/identity-providers/st-example');
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ id: 'st-example', hasClientSecret: true, allowedDomains: ['st-example.org'], scopes: ['openid', 'email', 'profile'] });
    const replay = await api.call('POST', '/admin/v1/identity-providers', { token, body, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');

    const listed = await api.call('GET', '/admin/v1/identity-providers', { token });
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify([created.body, listed.body])).not.toContain(SECRET);
    const [row] = await api.db.query<{ sealed_secret: string }>(`SELECT sealed_secret FROM identity_providers WHERE id = 'st-example'`);
    expect(row!.sealed_secret).toBeTruthy();
    expect(row!.sealed_secret).not.toContain(SECRET);
    expect(Buffer.from(row!.sealed_secret, 'base64').toString('latin1')).not.toContain(SECRET);

    const again = await api.call('POST', '/admin/v1/identity-providers', { token, body });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('names every bad field in a problem+json 400', async () => {
    const res = await api.call('POST', '/admin/v1/identity-providers', {
      token,
      body: { id: 'Bad Id', displayName: 'x', issuer: 'not a url', clientId: 'c', scopes: ['email'], claimMapping: { x: 'password' } },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'issuer', 'scopes', 'claimMapping.x']));

    const { clientSecret: _omitted, ...withoutSecret } = body;
    const noSecret = await api.call('POST', '/admin/v1/identity-providers', { token, body: { ...withoutSecret, id: 'no-secret' } });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.errors).toEqual([{ field: 'clientSecret', message: 'is required for client_secret_basic' }]);
  });

  it('updates only with the current ETag, and audits each change', async () => {
    const path = '/admin/v1/identity-providers/st-example';
    expect((await api.call('PATCH', path, { token, body: { enabled: false } })).status).toBe(428);
    expect((await api.call('PATCH', path, { token, body: { enabled: false }, headers: { 'if-match': '"7"' } })).status).toBe(412);
    const updated = await api.call('PATCH', path, { token, body: { enabled: false, clientSecret: 'a new secret' }, headers: { 'if-match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(updated.body.enabled).toBe(false);
    expect((await api.call('DELETE', path, { token, headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await api.call('DELETE', path, { token, headers: { 'if-match': '"2"' } })).status).toBe(204);
    expect((await api.call('GET', path, { token })).status).toBe(404);

    const audit = await api.db.query<{ event_type: string; actor_type: string; details: Record<string, unknown> }>(
      `SELECT event_type, actor_type, details FROM audit_events WHERE event_type LIKE 'federation.idp.%' ORDER BY seq`,
    );
    expect(audit.map((a) => a.event_type)).toEqual(['federation.idp.created', 'federation.idp.updated', 'federation.idp.deleted']);
    expect(audit[1]!.details.fields).toEqual(['clientSecret', 'enabled']);
    expect(JSON.stringify(audit)).not.toContain('a new secret');
  });

  it('is for super-admin only', async () => {
    const clientAdmin = await api.token(['client-admin']);
    expect((await api.call('GET', '/admin/v1/identity-providers', { token: clientAdmin })).status).toBe(403);
    expect((await api.call('POST', '/admin/v1/identity-providers', { token: clientAdmin, body: { ...body, id: 'other' } })).status).toBe(403);
    expect((await api.call('GET', '/admin/v1/identity-providers')).status).toBe(401);
  });
});
