import { beforeAll, describe, expect, it } from 'vitest';
import { MfaService } from '../../../src/mfa/index.js';
import { useEvents } from '../../support/fixture.js';
import { totpCode } from '../../support/totp.js';
import { secondSuperAdmin, turnOnDualControl, useAdminApi } from './admin-api.js';

/**
 * Dual control (#17 item 5) for role grants through groups: putting a person in a group that
 * carries super-admin, key-admin or the break-glass role, or giving such a role to a group with
 * members, grants that role, and waits for a second super-admin exactly like a user grant.
 */
describe('dual control: role grants through groups', () => {
  const api = useAdminApi();
  let root: string;
  let second: string;
  const events = useEvents(api);

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    ({ token: second } = await secondSuperAdmin(api, root));
    await turnOnDualControl(api, root);
  });

  const user = async (email: string) => {
    const res = await api.call('POST', '/admin/v1/users', { token: root, body: { email, roles: ['nurse'], invite: true } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const group = async (id: string) => api.call('GET', `/admin/v1/groups/${id}`, { token: root });

  it('holds adding a member to a group that carries key-admin; approving adds them', async () => {
    const made = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'key custodians', roles: ['key-admin'] } });
    expect(made.status).toBe(201); // no members: nobody is granted anything yet
    const nurse = await user('custodian@hospital.test');

    const add = await api.call('POST', `/admin/v1/groups/${made.body.id}/members`, { token: root, body: { userId: nurse } });
    expect(add.status).toBe(202);
    expect(add.headers.get('location')).toBe(`/admin/v1/approvals/${add.body.id}`);
    expect(add.body).toMatchObject({ kind: 'groups.update', status: 'pending', details: { groupId: made.body.id, granted: ['key-admin'], members: [nurse] } });
    expect((await group(made.body.id)).body.members).toEqual([]);

    const own = await api.call('POST', `/admin/v1/approvals/${add.body.id}/approve`, { token: root });
    expect(own.status).toBe(403);
    const approved = await api.call('POST', `/admin/v1/approvals/${add.body.id}/approve`, { token: second });
    expect(approved.status).toBe(200);
    expect(approved.body.result.members).toEqual([{ id: nurse, email: 'custodian@hospital.test' }]);
    expect((await group(made.body.id)).body.members).toEqual([{ id: nurse, email: 'custodian@hospital.test' }]);
  });

  it.each([
    ['a password set by a user-admin', async (id: string, userAdmin: string) => api.call('POST', `/admin/v1/users/${id}/password`, { token: userAdmin, body: { password: 'a long and unusual passphrase 7' } })],
    ['a second factor enrolled', async (id: string) => {
      const mfa = api.running.app.get(MfaService);
      const enrolment = await mfa.startTotpEnrolment(id, 'custodian');
      expect((await mfa.confirmTotpEnrolment(id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);
      return { status: 200, body: {} };
    }],
  ])('fails the approval of a member add when %s after the request: 412, still pending, nobody added', async (_label, change) => {
    // The walk of the outside attack: a user-admin prepares the account after a super-admin asked
    // to put it in a key-admin group, then a second super-admin approves without knowing.
    const made = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: `custodians ${_label}`, roles: ['key-admin'] } });
    expect(made.status).toBe(201);
    const nurse = await user(`prepared.${_label.replace(/\W+/g, '-')}@hospital.test`);
    const add = await api.call('POST', `/admin/v1/groups/${made.body.id}/members`, { token: root, body: { userId: nurse } });
    expect(add.status).toBe(202);

    const changed = await change(nurse, await api.token(['user-admin']));
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const approved = await api.call('POST', `/admin/v1/approvals/${add.body.id}/approve`, { token: second });
    expect(approved.status).toBe(412);
    expect(approved.body.detail).toMatch(/changed since it was requested/);
    expect((await api.call('GET', `/admin/v1/approvals/${add.body.id}`, { token: second })).body.status).toBe('pending');
    expect((await group(made.body.id)).body.members).toEqual([]);
  });

  it('holds giving super-admin to a group with members (PUT), and creating a break-glass group with members', async () => {
    const nurse = await user('ward-lead@hospital.test');
    const made = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'ward leads', roles: ['nurse'], members: [nurse] } });
    expect(made.status).toBe(201);
    const put = await api.call('PUT', `/admin/v1/groups/${made.body.id}`, {
      token: root,
      body: { displayName: 'ward leads', roles: ['nurse', 'super-admin'], members: [nurse] },
      headers: { 'if-match': made.headers.get('etag')! },
    });
    expect(put.status).toBe(202);
    expect(put.body.details).toMatchObject({ granted: ['super-admin'], members: [nurse] });
    expect((await group(made.body.id)).body.roles).toEqual(['nurse']);
    const rejected = await api.call('POST', `/admin/v1/approvals/${put.body.id}/reject`, { token: second, body: { reason: 'no' } });
    expect(rejected.status).toBe(200);
    expect((await group(made.body.id)).body.roles).toEqual(['nurse']);

    const glass = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'emergency', roles: ['breakglass'], members: [nurse] } });
    expect(glass.status).toBe(202);
    expect(glass.body).toMatchObject({ kind: 'groups.create', details: { displayName: 'emergency', granted: ['breakglass'], members: [nurse] } });
    expect((await api.call('GET', '/admin/v1/groups?q=emergency', { token: root })).body.items).toEqual([]);
    const done = await api.call('POST', `/admin/v1/approvals/${glass.body.id}/approve`, { token: second });
    expect(done.status).toBe(200);
    expect((await group(done.body.result.id)).body).toMatchObject({ roles: ['breakglass'], members: [{ id: nurse }] });
    expect(events.filter((e) => e.name === 'group.created').at(-1)!.payload).toMatchObject({ groupId: done.body.result.id });
  });

  it('does not hold group changes that grant no protected role', async () => {
    const nurse = await user('ordinary@hospital.test');
    const made = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'nurses', roles: ['nurse'], members: [nurse] } });
    expect(made.status).toBe(201);
    const other = await user('ordinary2@hospital.test');
    expect((await api.call('POST', `/admin/v1/groups/${made.body.id}/members`, { token: root, body: { userId: other } })).status).toBe(200);
    const custodians = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'auditors', roles: ['auditor'], members: [other] } });
    expect(custodians.status).toBe(201);
  });
});
