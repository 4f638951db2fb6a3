import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityError, IdentityService } from '../../../src/identity/index.js';
import { useAdminApi } from './admin-api.js';

const FIFTEEN = 'vivid otter run'; // 15 characters, not common, not repetitive
const SIXTEEN = 'vivid otter runs';

/**
 * One password policy for every way a password is set: when an administrator raises the
 * minimum length through /admin/v1/policies, a user's own change of password, an invitation
 * or reset link and an administrator's set password all refuse a shorter one, saying why.
 */
describe('the runtime password policy applies to every new password', () => {
  const api = useAdminApi();
  let root: string;
  let identity: IdentityService;
  let userId: string;
  const email = 'changer@hospital.test';

  beforeAll(async () => {
    identity = api.running.app.get(IdentityService);
    root = await api.token(['super-admin']);
    const created = await api.call('POST', '/admin/v1/users', { token: root, body: { email, password: 'first passphrase 1' } });
    expect(created.status).toBe(201);
    userId = created.body.id;
    const etag = (await api.call('GET', '/admin/v1/policies', { token: root })).headers.get('etag')!;
    const raised = await api.call('PATCH', '/admin/v1/policies', { token: root, body: { password: { minLength: 16 } }, headers: { 'if-match': etag } });
    expect(raised.status).toBe(200);
  });

  it('a user changing their own password: shorter than the policy is refused with the reason, long enough is accepted', async () => {
    const self = { type: 'user' as const, id: userId };
    const refused = await identity.changePassword(userId, FIFTEEN, self).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(IdentityError);
    expect((refused as IdentityError).fields).toEqual([{ field: 'password', message: 'must be at least 16 characters long' }]);
    expect((await identity.checkPassword(email, FIFTEEN)).ok).toBe(false);
    expect((await identity.checkPassword(email, 'first passphrase 1')).ok).toBe(true);

    await identity.changePassword(userId, SIXTEEN, self);
    expect((await identity.checkPassword(email, SIXTEEN)).ok).toBe(true);
    const audited = await api.db.query<{ actor_id: string }>(
      `SELECT actor_id FROM audit_events WHERE event_type = 'user.password.changed' AND subject_id = $1`,
      [userId],
    );
    expect(audited).toEqual([{ actor_id: userId }]);
  });

  it('a reset link: the page states the minimum in force and refuses a shorter password without spending the link', async () => {
    const reset = await api.call('POST', `/admin/v1/users/${userId}/password`, { token: root, body: { link: true } });
    expect(reset.status).toBe(200);
    const link = new URL(reset.body.passwordSetupLink);
    const page = await (await fetch(new URL(`${link.pathname}${link.search}`, api.url))).text();
    expect(page).toContain('At least 16 characters');
    expect(page).toContain('minlength="16"');

    const submit = (password: string) =>
      fetch(new URL(link.pathname, api.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: link.searchParams.get('token')!, password }),
      });
    const short = await submit(FIFTEEN);
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('Password must be at least 16 characters long.');
    expect((await submit('another good passphrase')).status).toBe(200);
    expect((await identity.checkPassword(email, 'another good passphrase')).ok).toBe(true);
  });

  it('an administrator setting a password gets a 400 naming the field', async () => {
    const res = await api.call('POST', `/admin/v1/users/${userId}/password`, { token: root, body: { password: FIFTEEN } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: 'must be at least 16 characters long' }]);
  });
});
