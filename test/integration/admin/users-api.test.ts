import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi } from './admin-api.js';

const PASSWORD = 'a long and unusual passphrase 7';
const OTHER_PASSWORD = 'another quite unusual passphrase 9';

/** The users resource of the admin API against the real application and PostgreSQL. */
describe('/admin/v1/users', () => {
  const api = useAdminApi();
  let admin: string;
  let identity: IdentityService;
  const events = useEvents(api, (event) => event?.name?.startsWith('user.') || event?.name?.startsWith('mfa.'));

  beforeAll(async () => {
    identity = api.running.app.get(IdentityService);
    admin = await api.token(['user-admin']);
  });

  const create = (body: unknown, token = admin, headers: Record<string, string> = {}) => api.call('POST', '/admin/v1/users', { token, body, headers });
  const eventsFor = (userId: string, name: string) => events.filter((e) => e.name === name && (e.payload as { userId: string }).userId === userId);
  const unique = (prefix: string) => `${prefix}.${randomUUID().slice(0, 8)}@hospital.test`;

  describe('happy path', () => {
    it('creates a user with a password: 201, Location, ETag, no secret in the body, user.created', async () => {
      const email = unique('resident');
      const res = await create({ email, givenName: 'Ada', familyName: 'Byron', roles: ['clinician'], password: PASSWORD });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('location')).toBe(`/admin/v1/users/${res.body.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toMatchObject({ email, givenName: 'Ada', familyName: 'Byron', roles: ['clinician'], status: 'active', hasPassword: true, passwordSetupLink: null });
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);
      expect(eventsFor(res.body.id, 'user.created')).toHaveLength(1);
    });

    it('creates a user by invitation: the single-use link sets a password through the page, once', async () => {
      const email = unique('invitee');
      const res = await create({ email, invite: true });
      expect(res.status).toBe(201);
      expect(res.body.hasPassword).toBe(false);
      const link = new URL(res.body.passwordSetupLink);
      expect(link.pathname).toBe('/account/password-setup');
      expect(new Date(res.body.passwordSetupExpiresAt).getTime()).toBeGreaterThan(Date.now());
      // Only a hash of the token is stored.
      const stored = await api.db.query<{ token_hash: string }>('SELECT token_hash FROM password_setup_tokens WHERE user_id = $1', [res.body.id]);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.token_hash).not.toBe(link.searchParams.get('token'));

      const page = await fetch(new URL(`${link.pathname}${link.search}`, api.url));
      expect(page.status).toBe(200);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await page.text();
      expect(html).toContain('New password');

      const submit = (password: string) =>
        fetch(new URL('/account/password-setup', api.url), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: link.searchParams.get('token')!, password }),
        });
      const weak = await submit('short');
      expect(weak.status).toBe(400);
      expect(await weak.text()).toContain('at least 12 characters');
      expect((await submit(PASSWORD)).status).toBe(200);
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);
      const reused = await submit(OTHER_PASSWORD);
      expect(reused.status).toBe(400);
      expect(await reused.text()).toContain('invalid, expired or already used');
      expect((await identity.checkPassword(email, OTHER_PASSWORD)).ok).toBe(false);
      expect(eventsFor(res.body.id, 'user.password.link_issued')).toHaveLength(1);
    });

    it('gets a user with its ETag and lists users with search, filters and cursor pages', async () => {
      const tag = randomUUID().slice(0, 8);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await create({ email: `ward${i}.${tag}@hospital.test`, familyName: `Ward${tag}`, roles: i === 0 ? ['pharmacist'] : [], password: PASSWORD });
        ids.push(res.body.id);
      }
      const one = await api.call('GET', `/admin/v1/users/${ids[0]}`, { token: admin });
      expect(one.status).toBe(200);
      expect(one.headers.get('etag')).toBe('"1"');

      const first = await api.call('GET', `/admin/v1/users?q=${tag}&limit=2`, { token: admin });
      expect(first.body.items.map((u: { id: string }) => u.id)).toEqual(ids.slice(0, 2));
      const second = await api.call('GET', `/admin/v1/users?q=${tag}&limit=2&cursor=${first.body.nextCursor}`, { token: admin });
      expect(second.body.items.map((u: { id: string }) => u.id)).toEqual(ids.slice(2));
      expect(second.body.nextCursor).toBeNull();

      const byRole = await api.call('GET', `/admin/v1/users?q=${tag}&role=pharmacist`, { token: admin });
      expect(byRole.body.items.map((u: { id: string }) => u.id)).toEqual([ids[0]]);
      await api.call('POST', `/admin/v1/users/${ids[1]}/disable`, { token: admin });
      const disabled = await api.call('GET', `/admin/v1/users?q=${tag}&status=disabled`, { token: admin });
      expect(disabled.body.items.map((u: { id: string }) => u.id)).toEqual([ids[1]]);
      const auditor = await api.call('GET', `/admin/v1/users?q=${tag}`, { token: await api.token(['auditor']) });
      expect(auditor.status).toBe(200);
    });

    it('updates profile and roles with If-Match, emitting before/after of the changed fields', async () => {
      const created = await create({ email: unique('update'), emailVerified: true, givenName: 'Old', password: PASSWORD });
      const res = await api.call('PATCH', `/admin/v1/users/${created.body.id}`, {
        token: admin,
        body: { givenName: 'New', roles: ['clinician'] },
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({ givenName: 'New', roles: ['clinician'] });
      const [updated] = eventsFor(created.body.id, 'user.updated');
      expect(updated!.payload).toMatchObject({ changed: ['givenName', 'roles'], before: { givenName: 'Old', roles: [] }, after: { givenName: 'New', roles: ['clinician'] } });
      expect(updated!.actor.type).toBe('client');

      const moved = await api.call('PATCH', `/admin/v1/users/${created.body.id}`, {
        token: admin,
        body: { email: unique('moved') },
        headers: { 'if-match': '"2"' },
      });
      expect(moved.status).toBe(200);
      expect(moved.body.emailVerified).toBe(false);
    });

    it('disables and enables a user: a disabled user cannot sign in', async () => {
      const email = unique('toggle');
      const created = await create({ email, password: PASSWORD });
      const off = await api.call('POST', `/admin/v1/users/${created.body.id}/disable`, { token: admin, headers: { 'if-match': '"1"' } });
      expect(off.status).toBe(200);
      expect(off.body.status).toBe('disabled');
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(false);
      const on = await api.call('POST', `/admin/v1/users/${created.body.id}/enable`, { token: admin });
      expect(on.body.status).toBe('active');
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);
      expect(eventsFor(created.body.id, 'user.disabled')).toHaveLength(1);
      expect(eventsFor(created.body.id, 'user.enabled')).toHaveLength(1);
    });

    it('resets a password by setting one, or by a reset link that voids the old password', async () => {
      const email = unique('reset');
      const created = await create({ email, password: PASSWORD });
      const set = await api.call('POST', `/admin/v1/users/${created.body.id}/password`, { token: admin, body: { password: OTHER_PASSWORD } });
      expect(set.status).toBe(200);
      expect(set.body.passwordSetupLink).toBeNull();
      expect((await identity.checkPassword(email, OTHER_PASSWORD)).ok).toBe(true);
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(false);

      const viaLink = await api.call('POST', `/admin/v1/users/${created.body.id}/password`, { token: admin, body: { link: true } });
      expect(viaLink.body.passwordSetupLink).toMatch(/\/account\/password-setup\?token=/);
      expect((await identity.checkPassword(email, OTHER_PASSWORD)).ok).toBe(false);
      expect(eventsFor(created.body.id, 'user.password.reset').map((e) => (e.payload as { method: string }).method)).toEqual(['set', 'link']);
    });

    it('deletes a user: anonymised, password gone, the id kept for the audit trail', async () => {
      const email = unique('leaver');
      const created = await create({ email, givenName: 'Gone', roles: ['clinician'], password: PASSWORD });
      const res = await api.call('DELETE', `/admin/v1/users/${created.body.id}`, { token: admin });
      expect(res.status).toBe(204);
      const after = await api.call('GET', `/admin/v1/users/${created.body.id}`, { token: admin });
      expect(after.body).toMatchObject({ id: created.body.id, status: 'deleted', givenName: null, roles: [], hasPassword: false });
      expect(after.body.email).not.toContain('leaver');
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(false);
      expect(eventsFor(created.body.id, 'user.deleted')).toHaveLength(1);
      expect(eventsFor(created.body.id, 'mfa.reset')).toHaveLength(1);
      // The address is free again, and the deleted user cannot be changed any more.
      expect((await create({ email, password: PASSWORD })).status).toBe(201);
      expect((await api.call('POST', `/admin/v1/users/${created.body.id}/enable`, { token: admin })).status).toBe(404);
    });
  });

  describe('roles', () => {
    it('answers 401 without a token', async () => {
      const res = await api.call('GET', '/admin/v1/users');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('answers 403 to a caller without user-admin, and to an auditor that writes', async () => {
      const clientAdmin = await api.token(['client-admin']);
      expect((await api.call('GET', '/admin/v1/users', { token: clientAdmin })).status).toBe(403);
      expect((await create({ email: unique('x'), password: PASSWORD }, clientAdmin)).status).toBe(403);
      const auditor = await api.token(['auditor']);
      expect((await create({ email: unique('x'), password: PASSWORD }, auditor)).status).toBe(403);
      const target = await create({ email: unique('target'), password: PASSWORD });
      expect((await api.call('POST', `/admin/v1/users/${target.body.id}/disable`, { token: auditor })).status).toBe(403);
      expect((await api.call('DELETE', `/admin/v1/users/${target.body.id}`, { token: auditor })).status).toBe(403);
    });

    it('lets only super-admin grant an admin role or touch a user who holds one', async () => {
      const res = await create({ email: unique('wannabe'), roles: ['super-admin'], password: PASSWORD });
      expect(res.status).toBe(403);
      const plain = await create({ email: unique('plain'), password: PASSWORD });
      const escalate = await api.call('PATCH', `/admin/v1/users/${plain.body.id}`, { token: admin, body: { roles: ['user-admin'] }, headers: { 'if-match': '"1"' } });
      expect(escalate.status).toBe(403);

      const root = await api.token(['super-admin']);
      const boss = await create({ email: unique('boss'), roles: ['super-admin'], password: PASSWORD }, root);
      expect(boss.status).toBe(201);
      const takeover = await api.call('POST', `/admin/v1/users/${boss.body.id}/password`, { token: admin, body: { password: OTHER_PASSWORD } });
      expect(takeover.status).toBe(403);
      expect((await api.call('POST', `/admin/v1/users/${boss.body.id}/disable`, { token: admin })).status).toBe(403);
    });

    it("lets only super-admin end the sessions or grants of a user who holds an admin role (a user-admin cannot lock super-admins out)", async () => {
      const root = await api.token(['super-admin']);
      const boss = await create({ email: unique('boss-sessions'), roles: ['super-admin'], password: PASSWORD }, root);
      expect(boss.status).toBe(201);
      for (const path of [`/admin/v1/users/${boss.body.id}/sessions`, `/admin/v1/users/${boss.body.id}/grants`]) {
        const refused = await api.call('DELETE', path, { token: admin });
        expect(refused.status, path).toBe(403);
        expect(refused.body.detail, path).toMatch(/only super-admin/);
        expect((await api.call('DELETE', path, { token: root })).status, `${path} as super-admin`).toBeLessThan(300);
      }
      const plain = await create({ email: unique('plain-sessions'), password: PASSWORD });
      expect((await api.call('DELETE', `/admin/v1/users/${plain.body.id}/sessions`, { token: admin })).status).toBe(200);
      expect((await api.call('DELETE', `/admin/v1/users/${plain.body.id}/grants`, { token: admin })).status).toBe(204);
    });

    it("lets only super-admin set the SMART context (fhirUser, patients) of a user who holds a protected role", async () => {
      const root = await api.token(['super-admin']);
      const officer = await create({ email: unique('keys-smart'), roles: ['key-admin'], password: PASSWORD }, root);
      expect(officer.status).toBe(201);
      const path = `/admin/v1/users/${officer.body.id}/smart-context`;
      const body = { fhirUser: 'Practitioner/someone-else', patients: [{ patientId: 'pat-4711', displayName: 'Jane Doe' }] };
      const refused = await api.call('PUT', path, { token: admin, body });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/only super-admin may set the SMART context/);
      expect((await api.call('GET', path, { token: root })).status, 'nothing stored').toBe(404);
      expect((await api.call('PUT', path, { token: root, body })).status).toBe(200);

      const plain = await create({ email: unique('plain-smart'), password: PASSWORD });
      expect((await api.call('PUT', `/admin/v1/users/${plain.body.id}/smart-context`, { token: admin, body })).status).toBe(200);
    });

    it('protects the break-glass role like an admin role: granted, removed and its holders changed by super-admin only', async () => {
      const res = await create({ email: unique('emergency'), roles: ['breakglass'], password: PASSWORD });
      expect(res.status).toBe(403);
      const plain = await create({ email: unique('plain-bg'), password: PASSWORD });
      const grant = await api.call('PATCH', `/admin/v1/users/${plain.body.id}`, { token: admin, body: { roles: ['breakglass'] }, headers: { 'if-match': '"1"' } });
      expect(grant.status).toBe(403);

      const root = await api.token(['super-admin']);
      const holder = await create({ email: unique('bg-holder'), roles: ['breakglass'], password: PASSWORD }, root);
      expect(holder.status).toBe(201);
      expect((await api.call('POST', `/admin/v1/users/${holder.body.id}/password`, { token: admin, body: { password: OTHER_PASSWORD } })).status).toBe(403);
      const remove = await api.call('PATCH', `/admin/v1/users/${holder.body.id}`, { token: admin, body: { roles: [] }, headers: { 'if-match': '"1"' } });
      expect(remove.status).toBe(403);
      expect((await api.call('GET', `/admin/v1/users/${holder.body.id}`, { token: admin })).body.roles).toEqual(['breakglass']);
    });
  });

  describe('validation and preconditions', () => {
    it('answers 400 naming each bad field', async () => {
      const res = await create({ email: 'not an email', roles: ['Bad Role'], password: PASSWORD, colour: 'blue' });
      expect(res.status).toBe(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'roles.0', 'colour']));

      const weak = await create({ email: unique('weak'), password: 'password1234' });
      expect(weak.status).toBe(400);
      expect(weak.body.errors[0].field).toBe('password');

      const neither = await create({ email: unique('neither') });
      expect(neither.body.errors[0].field).toBe('password');
      expect((await api.call('GET', '/admin/v1/users/not-a-uuid', { token: admin })).body.errors[0].field).toBe('id');
      expect((await api.call('GET', '/admin/v1/users?status=gone', { token: admin })).body.errors[0].field).toBe('status');
      expect((await api.call('GET', '/admin/v1/users?cursor=forged', { token: admin })).body.errors[0].field).toBe('cursor');
    });

    it('answers 412 to a stale If-Match and 428 without one', async () => {
      const created = await create({ email: unique('stale'), password: PASSWORD });
      const path = `/admin/v1/users/${created.body.id}`;
      expect((await api.call('PATCH', path, { token: admin, body: { givenName: 'A' }, headers: { 'if-match': '"1"' } })).status).toBe(200);
      const stale = await api.call('PATCH', path, { token: admin, body: { givenName: 'B' }, headers: { 'if-match': '"1"' } });
      expect(stale.status).toBe(412);
      expect((await api.call('PATCH', path, { token: admin, body: { givenName: 'B' } })).status).toBe(428);
      expect((await api.call('POST', `${path}/disable`, { token: admin, headers: { 'if-match': '"1"' } })).status).toBe(412);
      expect((await api.call('GET', path, { token: admin })).body.givenName).toBe('A');
    });

    it('a retried create with the same Idempotency-Key gives one user and the same response', async () => {
      const key = randomUUID();
      const email = unique('idem');
      const first = await create({ email, invite: true }, admin, { 'idempotency-key': key });
      const retry = await create({ email, invite: true }, admin, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('idempotency-replayed')).toBe('true');
      const listed = await api.call('GET', `/admin/v1/users?q=${encodeURIComponent(email)}`, { token: admin });
      expect(listed.body.items).toHaveLength(1);
      expect(eventsFor(first.body.id, 'user.created')).toHaveLength(1);
    });
  });
});
