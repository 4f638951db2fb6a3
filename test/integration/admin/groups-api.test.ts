import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { useAdminApi } from './admin-api.js';

/** /admin/v1/groups against the real application and PostgreSQL: a group's roles are its members' roles. */
describe('/admin/v1/groups', () => {
  const api = useAdminApi();
  let admin: string;

  beforeAll(async () => {
    admin = await api.token(['user-admin']);
  });

  const newUser = async (email: string) => {
    const res = await api.call('POST', '/admin/v1/users', { token: admin, body: { email, invite: true, roles: ['staff'] } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('creates (idempotently), adds and removes members under If-Match; members hold the group roles while they belong', async () => {
    const userId = await newUser('pharmacist@hospital.test');
    const body = { displayName: 'Pharmacy', roles: ['pharmacist'] };
    const headers = { 'idempotency-key': 'c8b1f0c2-5a1e-4d55-9f55-6f0c1e2d3a4b' };
    const created = await api.call('POST', '/admin/v1/groups', { token: admin, body, headers });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const retry = await api.call('POST', '/admin/v1/groups', { token: admin, body, headers });
    expect(retry.body.id).toBe(created.body.id);
    const id = created.body.id;

    const stale = await api.call('POST', `/admin/v1/groups/${id}/members`, { token: admin, body: { userId }, headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    const added = await api.call('POST', `/admin/v1/groups/${id}/members`, { token: admin, body: { userId }, headers: { 'if-match': '"1"' } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.members).toEqual([{ id: userId, email: 'pharmacist@hospital.test' }]);
    const identity = api.running.app.get(IdentityService);
    expect((await identity.claims(userId))!).toMatchObject({ roles: ['staff', 'pharmacist'], groups: ['Pharmacy'] });

    expect((await api.call('DELETE', `/admin/v1/groups/${id}/members/${userId}`, { token: admin })).status).toBe(200);
    expect((await identity.claims(userId))!).toMatchObject({ roles: ['staff'], groups: [] });
  });

  it('keeps protected roles to super-admin, and names the field of bad input', async () => {
    const refused = await api.call('POST', '/admin/v1/groups', { token: admin, body: { displayName: 'Break glass', roles: ['super-admin'] } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('protected role');
    const ok = await api.call('POST', '/admin/v1/groups', { token: await api.token(['super-admin']), body: { displayName: 'Key custodians', roles: ['key-admin'] } });
    expect(ok.status).toBe(201);
    // A member of a group that grants an admin role is protected like a holder of that role.
    const custodian = await newUser('custodian@hospital.test');
    const joined = await api.call('POST', `/admin/v1/groups/${ok.body.id}/members`, { token: await api.token(['super-admin']), body: { userId: custodian } });
    expect(joined.status).toBe(200);
    const takeover = await api.call('POST', `/admin/v1/users/${custodian}/password`, { token: admin, body: { link: true } });
    expect(takeover.status).toBe(403);
    const change = await api.call('PUT', `/admin/v1/groups/${ok.body.id}`, { token: admin, body: { displayName: 'Key custodians', roles: [] }, headers: { 'if-match': '"2"' } });
    expect(change.status).toBe(403);
    const bad = await api.call('POST', '/admin/v1/groups', { token: admin, body: { displayName: '', roles: ['Not A Role'] } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toMatch(/displayName/);
    const unknownMember = await api.call('POST', '/admin/v1/groups', { token: admin, body: { displayName: 'Ghosts', members: ['2819c223-7f76-453a-919d-413861904646'] } });
    expect(unknownMember.status).toBe(400);
    expect(unknownMember.body.errors).toEqual([expect.objectContaining({ field: 'members' })]);
    expect((await api.call('GET', '/admin/v1/groups?q=ghosts', { token: admin })).body.total).toBe(0);
  });
});
