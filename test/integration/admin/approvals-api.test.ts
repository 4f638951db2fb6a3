import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEvents } from '../../support/fixture.js';
import { BOOTSTRAP_ID, secondSuperAdmin, useAdminApi } from './admin-api.js';

/**
 * Dual control (#17 item 5): with the dualControl policy on, high-risk acts become pending
 * changes that a second super-admin approves; the requester never decides their own.
 */
describe('/admin/v1/approvals (dual control)', () => {
  const api = useAdminApi();
  let root: string;
  let second: string;
  let secondId: string;
  let keyAdmin: string;
  const events = useEvents(api);

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    // Registered before dual control is on: a key-admin client is itself a held grant afterwards.
    keyAdmin = await api.token(['key-admin']);
    ({ clientId: secondId, token: second } = await secondSuperAdmin(api, root));
  });

  const policies = async () => api.call('GET', '/admin/v1/policies', { token: root });
  const patchPolicies = async (body: unknown, token = root) =>
    api.call('PATCH', '/admin/v1/policies', { token, body, headers: { 'if-match': (await policies()).headers.get('etag')! } });
  const named = (name: string) => events.filter((e) => e.name === name);

  it('is off by default, and turning it on is an audited policy change', async () => {
    expect((await policies()).body.policies.admin).toEqual({ dualControl: false });
    const on = await patchPolicies({ admin: { dualControl: true } });
    expect(on.status).toBe(200);
    expect(on.body.policies.admin.dualControl).toBe(true);
    expect(named('policy.updated').at(-1)!.payload).toMatchObject({ changed: ['admin.dualControl'] });
  });

  it('holds a key import for a second super-admin, who carries it out; the requester cannot', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.privateKey)), kid: 'held-import' };
    const res = await api.call('POST', '/admin/v1/keys/import', { token: root, body: { jwk, alg: 'ES256', state: 'next' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/admin/v1/approvals/${res.body.id}`);
    expect(res.body).toMatchObject({ kind: 'keys.import', status: 'pending', requestedBy: { type: 'client', id: BOOTSTRAP_ID } });
    expect(res.body.details).toMatchObject({ kid: 'held-import', alg: 'ES256', state: 'next', source: 'jwk' });
    expect(res.body.details.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.requestedAt)).toBe(24 * 3600 * 1000);
    // Nothing happened yet, and the private key is not stored in clear with the pending change.
    expect((await api.call('GET', '/admin/v1/keys/held-import', { token: root })).status).toBe(404);
    const [row] = await api.db.query<Record<string, unknown>>(`SELECT * FROM admin_approvals WHERE id = $1`, [res.body.id]);
    expect(JSON.stringify(row)).not.toContain(jwk.d!);
    expect(named('approval.requested').at(-1)!.payload).toMatchObject({ approvalId: res.body.id, kind: 'keys.import' });

    const own = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: root });
    expect(own.status).toBe(403);
    expect(own.headers.get('content-type')).toContain('application/problem+json');
    expect(own.body.detail).toBe('you requested this change: another super-admin must approve or reject it');
    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/reject`, { token: root, body: {} })).status).toBe(403);

    const approved = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ status: 'approved', decidedBy: { type: 'client', id: secondId } });
    expect(approved.body.result).toMatchObject({ kid: 'held-import', state: 'next' });
    expect((await api.call('GET', '/admin/v1/keys/held-import', { token: root })).status).toBe(200);
    expect(named('keys.imported').at(-1)!.actor).toEqual({ type: 'client', id: secondId });
    expect(named('approval.approved').at(-1)!.payload).toMatchObject({
      approvalId: res.body.id,
      requestedBy: { type: 'client', id: BOOTSTRAP_ID },
      approvedBy: { type: 'client', id: secondId },
    });
    // Once only.
    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second })).status).toBe(409);
  });

  it('holds a grant of the break-glass role; a rejection does nothing; ordinary users are created at once', async () => {
    const res = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'glass@hospital.test', roles: ['breakglass'], invite: true } });
    expect(res.status).toBe(202);
    expect(res.body.details).toMatchObject({ email: 'glass@hospital.test', granted: ['breakglass'] });
    const rejected = await api.call('POST', `/admin/v1/approvals/${res.body.id}/reject`, { token: second, body: { reason: 'not on the rota' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'not on the rota', decidedBy: { type: 'client', id: secondId } });
    expect(named('approval.rejected').at(-1)!.payload).toMatchObject({ approvalId: res.body.id, reason: 'not on the rota' });
    expect((await api.call('GET', '/admin/v1/users?q=glass%40hospital.test', { token: root })).body.items).toEqual([]);
    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second })).status).toBe(409);

    const plain = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'nurse@hospital.test', roles: ['nurse'], invite: true } });
    expect(plain.status).toBe(201);
    const grant = await api.call('PATCH', `/admin/v1/users/${plain.body.id}`, {
      token: root,
      body: { roles: ['nurse', 'key-admin'] },
      headers: { 'if-match': plain.headers.get('etag')! },
    });
    expect(grant.status).toBe(202);
    expect(grant.body).toMatchObject({ kind: 'users.update', details: { granted: ['key-admin'] } });
    const done = await api.call('POST', `/admin/v1/approvals/${grant.body.id}/approve`, { token: second });
    expect(done.status).toBe(200);
    expect(done.body.result.roles).toEqual(['nurse', 'key-admin']);
  });

  it('holds KEK rotation, key revocation, MFA weakening of a client and of the policy, and turning dual control off', async () => {
    expect((await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root })).status).toBe(202);
    expect((await api.call('POST', '/admin/v1/keys/held-import/revoke', { token: root, body: { reason: 'test' } })).status).toBe(202);
    expect((await api.call('GET', '/admin/v1/keys/held-import', { token: root })).body.state).toBe('next');

    const client = await api.call('POST', '/admin/v1/clients', {
      token: root,
      body: { name: 'ward app', type: 'confidential', grantTypes: ['authorization_code'], redirectUris: ['https://ward.test/cb'] },
    });
    expect(client.status).toBe(201);
    const weaken = await api.call('PATCH', `/admin/v1/clients/${client.body.clientId}`, {
      token: root,
      body: { mfaPolicy: 'optional' },
      headers: { 'if-match': client.headers.get('etag')! },
    });
    expect(weaken.status).toBe(202);
    expect(weaken.body.kind).toBe('clients.update');
    expect((await api.call('GET', `/admin/v1/clients/${client.body.clientId}`, { token: root })).body.mfaPolicy).toBe('required');

    // Tightening is not held.
    expect((await patchPolicies({ lifetimes: { accessToken: 300 } })).status).toBe(200);
    const mfa = await patchPolicies({ mfa: { policy: 'optional' } });
    expect(mfa.status).toBe(202);
    expect(mfa.body.details.highRisk).toEqual(['mfa.policy']);
    const off = await patchPolicies({ admin: { dualControl: false } });
    expect(off.status).toBe(202);
    expect((await policies()).body.policies).toMatchObject({ mfa: { policy: 'required' }, admin: { dualControl: true } });
    const applied = await api.call('POST', `/admin/v1/approvals/${mfa.body.id}/approve`, { token: second });
    expect(applied.status).toBe(200);
    expect((await policies()).body.policies.mfa.policy).toBe('optional');
    // The other change was made against the version before: it no longer applies, and stays pending.
    expect((await api.call('POST', `/admin/v1/approvals/${off.body.id}/approve`, { token: second })).status).toBe(412);
    expect((await api.call('GET', `/admin/v1/approvals/${off.body.id}`, { token: second })).body.status).toBe('pending');
  });

  it('expires a pending change after 24 hours: audited, and it can no longer be approved', async () => {
    const res = await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root });
    expect(res.status).toBe(202);
    await api.db.query(`UPDATE admin_approvals SET requested_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' WHERE id = $1`, [
      res.body.id,
    ]);
    expect((await api.call('GET', `/admin/v1/approvals/${res.body.id}`, { token: second })).body.status).toBe('expired');
    expect(named('approval.expired').map((e) => (e.payload as { approvalId: string }).approvalId)).toContain(res.body.id);
    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second })).status).toBe(409);
    const listed = await api.call('GET', '/admin/v1/approvals?status=expired', { token: root });
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(res.body.id);
  });

  it('is for super-admins only', async () => {
    expect((await api.call('GET', '/admin/v1/approvals', { token: keyAdmin })).status).toBe(403);
    const [pending] = (await api.call('GET', '/admin/v1/approvals?status=pending', { token: root })).body.items;
    expect((await api.call('POST', `/admin/v1/approvals/${pending.id}/approve`, { token: keyAdmin })).status).toBe(403);
    expect((await api.call('GET', `/admin/v1/approvals/${pending.id}`, { token: keyAdmin })).status).toBe(403);
    expect((await api.call('POST', `/admin/v1/approvals/${pending.id}/reject`, { token: keyAdmin, body: {} })).status).toBe(403);
    expect((await api.call('GET', `/admin/v1/approvals/${pending.id}`, { token: root })).body.status).toBe('pending');
  });
});
