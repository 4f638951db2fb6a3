import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/ports.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi, secondSuperAdmin } from './admin-api.js';

const PASSWORD = 'correct horse battery staple 42';

/**
 * A user's credentials are part of what an If-Match vouches for (#17): a password reset, an MFA
 * reset and an enrolment code each change the user's version, so a change requested against the
 * user as it was (a pending grant of super-admin, above all) no longer applies once they changed.
 */
describe('credential changes and the user ETag', () => {
  const api = useAdminApi({ MFA_ENROLMENT: 'invite-only' });
  let root: string;
  let second: string;
  let secondId: string;
  const events = useEvents(api, (event) => event?.name?.startsWith('approval.'));

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    ({ clientId: secondId, token: second } = await secondSuperAdmin(api, root));
  });

  const createUser = async (email: string) => {
    const res = await api.call('POST', '/admin/v1/users', { token: root, body: { email, roles: ['nurse'], invite: true } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const etagOf = async (id: string) => (await api.call('GET', `/admin/v1/users/${id}`, { token: root })).headers.get('etag')!;

  it.each([
    ['a password reset', (id: string) => api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { password: PASSWORD } })],
    ['a reset link', (id: string) => api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { link: true } })],
    ['an MFA reset', (id: string) => api.call('DELETE', `/admin/v1/users/${id}/mfa`, { token: root })],
    ['an enrolment code', (id: string) => api.call('POST', `/admin/v1/users/${id}/mfa/enrolment-code`, { token: root })],
  ])('%s changes the ETag, and a change made with the old If-Match is 412', async (_label, change) => {
    const id = await createUser(`etag.${_label.replace(/\W+/g, '-')}@hospital.test`);
    const before = await etagOf(id);
    const done = await change(id);
    expect(done.status, JSON.stringify(done.body)).toBeLessThan(300);
    expect(await etagOf(id)).not.toBe(before);
    const stale = await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { givenName: 'Stale' }, headers: { 'if-match': before } });
    expect(stale.status).toBe(412);
  });

  it('a pending super-admin grant requested before a password reset is not carried out: 412, and it stays pending', async () => {
    const policies = await api.call('GET', '/admin/v1/policies', { token: root });
    const on = await api.call('PATCH', '/admin/v1/policies', { token: root, body: { admin: { dualControl: true } }, headers: { 'if-match': policies.headers.get('etag')! } });
    expect(on.status).toBe(200);
    const id = await createUser('promoted@hospital.test');
    const grant = await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { roles: ['nurse', 'super-admin'] }, headers: { 'if-match': await etagOf(id) } });
    expect(grant.status).toBe(202);
    expect((await api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { password: PASSWORD } })).status).toBe(200);
    const approved = await api.call('POST', `/admin/v1/approvals/${grant.body.id}/approve`, { token: second });
    expect(approved.status).toBe(412);
    expect((await api.call('GET', `/admin/v1/approvals/${grant.body.id}`, { token: second })).body.status).toBe('pending');
    expect((await api.call('GET', `/admin/v1/users/${id}`, { token: root })).body.roles).toEqual(['nurse']);
    // The refused attempt is audited: who tried, and why nothing was done.
    expect(events.filter((e) => e.name === 'approval.failed').at(-1)).toMatchObject({
      payload: { approvalId: grant.body.id, kind: 'users.update', error: 'VERSION_MISMATCH' },
      actor: { type: 'client', id: secondId },
    });
    const audited = await waitFor('the audit record', async () => {
      const rows = await api.db.query<{ outcome: string }>(`SELECT outcome FROM audit_events WHERE event_type = 'approval.failed' AND subject_id = $1`, [grant.body.id]);
      return rows.length ? rows : undefined;
    }, 10_000);
    expect(audited).toEqual([{ outcome: 'failure' }]);
  });
});
