import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { injectAuditFaults } from '../audit/audit-test-kit.js';
import { startAdminApi, type AdminApi, type AdminResponse } from './admin-api.js';

const PASSWORD = 'a long and unusual passphrase 7';
const OTHER_PASSWORD = 'another quite unusual passphrase 9';

/**
 * Every administrative write of clients, users and policies commits in one transaction with
 * its audit record. The audit append is made to fail inside PostgreSQL (a trigger on
 * audit_events, as a full disk or a revoked grant would): the write must be rolled back, the
 * API must answer a problem without internals, and with the fault gone the same write goes
 * through and is audited.
 */
describe('admin writes and their audit records commit together', () => {
  let api: AdminApi;
  let root: string;
  let identity: IdentityService;
  const fault = (eventType: string) => api.db.query('INSERT INTO audit_fault VALUES ($1)', [eventType]);
  const audited = async (eventType: string, subjectId: string) =>
    Number(
      (await api.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = $1 AND subject_id = $2`, [eventType, subjectId]))[0]!
        .n,
    );
  const unique = (prefix: string) => `${prefix}.${randomUUID().slice(0, 8)}@hospital.test`;

  beforeAll(async () => {
    api = await startAdminApi();
    identity = api.running.app.get(IdentityService);
    root = await api.token(['super-admin']);
    await injectAuditFaults(api.db);
  });

  afterEach(async () => {
    await api.db.query('DELETE FROM audit_fault');
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The refusal a caller sees: a 503 problem that names no internals. */
  const expectRefused = (res: AdminResponse) => {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ title: 'Service Unavailable', status: 503 });
    expect(res.body.detail).toMatch(/could not be written; nothing was changed$/);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|injected|QueryFailedError|stack/i);
  };

  describe('clients', () => {
    const machine = (name: string) => ({ name, type: 'confidential', grantTypes: ['client_credentials'] });
    const createClient = (body: unknown) => api.call('POST', '/admin/v1/clients', { token: root, body });
    const stored = async (clientId: string) =>
      (await api.db.query<Record<string, unknown>>(`SELECT name, enabled, secret_hash, deleted_at, version FROM clients WHERE client_id = $1`, [clientId]))[0];
    const tokenFor = (clientId: string, secret: string) =>
      api.clientCredentials(clientId, secret).then(
        () => 'issued',
        () => 'refused',
      );

    it('registration: no client without its client.created record', async () => {
      await fault('client.created');
      const refused = await createClient({ ...machine('Lab interface'), clientId: 'lab-interface' });
      expectRefused(refused);
      expect(await stored('lab-interface')).toBeUndefined();

      await api.db.query('DELETE FROM audit_fault');
      const created = await createClient({ ...machine('Lab interface'), clientId: 'lab-interface' });
      expect(created.status).toBe(201);
      expect(await audited('client.created', 'lab-interface')).toBe(1);
    });

    it('update, secret rotation, disable and delete: the client is as it was when the record fails', async () => {
      const created = await createClient(machine('Pharmacy feed'));
      const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
      const before = await stored(clientId);
      expect(await tokenFor(clientId, clientSecret)).toBe('issued');
      const issuedArtifacts = async () =>
        Number((await api.db.query<{ n: string }>(`SELECT count(*) AS n FROM oidc_artifacts WHERE payload->>'clientId' = $1`, [clientId]))[0]!.n);
      const artifacts = await issuedArtifacts();
      expect(artifacts).toBeGreaterThan(0);

      await fault('client.updated');
      expectRefused(await api.call('PATCH', `/admin/v1/clients/${clientId}`, { token: root, body: { name: 'Renamed' }, headers: { 'if-match': '"1"' } }));
      await fault('client.secret.rotated');
      expectRefused(await api.call('POST', `/admin/v1/clients/${clientId}/secret`, { token: root }));
      await fault('client.disabled');
      expectRefused(await api.call('POST', `/admin/v1/clients/${clientId}/disable`, { token: root }));
      await fault('client.deleted');
      expectRefused(await api.call('DELETE', `/admin/v1/clients/${clientId}`, { token: root }));

      // Same name, same secret, same version, still enabled, not deleted; its tokens were not revoked.
      expect(await stored(clientId)).toEqual(before);
      expect(await issuedArtifacts()).toBe(artifacts);
      expect(await tokenFor(clientId, clientSecret)).toBe('issued');
      for (const event of ['client.updated', 'client.secret.rotated', 'client.disabled', 'client.deleted']) expect(await audited(event, clientId)).toBe(0);

      await api.db.query('DELETE FROM audit_fault');
      const renamed = await api.call('PATCH', `/admin/v1/clients/${clientId}`, { token: root, body: { name: 'Renamed' }, headers: { 'if-match': '"1"' } });
      expect(renamed.status).toBe(200);
      const rotated = await api.call('POST', `/admin/v1/clients/${clientId}/secret`, { token: root });
      expect(rotated.status).toBe(200);
      expect(await tokenFor(clientId, clientSecret)).toBe('refused');
      expect((await api.call('POST', `/admin/v1/clients/${clientId}/disable`, { token: root })).status).toBe(200);
      expect(await issuedArtifacts()).toBe(0);
      expect((await api.call('DELETE', `/admin/v1/clients/${clientId}`, { token: root })).status).toBe(204);
      for (const event of ['client.updated', 'client.secret.rotated', 'client.disabled', 'client.deleted']) expect(await audited(event, clientId)).toBe(1);
    });
  });

  describe('users', () => {
    const createUser = (body: unknown) => api.call('POST', '/admin/v1/users', { token: root, body });
    const storedUser = async (id: string) =>
      (
        await api.db.query<Record<string, unknown>>(
          `SELECT u.email, u.given_name, u.status, u.roles, u.deleted_at, u.version, p.hash
           FROM users u LEFT JOIN password_credentials p ON p.user_id = u.id WHERE u.id = $1`,
          [id],
        )
      )[0];

    it('creation, with a password or an invitation: no user without its records', async () => {
      const email = unique('new-starter');
      await fault('user.created');
      expectRefused(await createUser({ email, password: PASSWORD }));
      expect(await api.db.query(`SELECT id FROM users WHERE email = $1`, [email])).toEqual([]);

      // The invitation link is part of the same unit: its record failing undoes the user too.
      await api.db.query('DELETE FROM audit_fault');
      await fault('user.password.link_issued');
      expectRefused(await createUser({ email, invite: true }));
      expect(await api.db.query(`SELECT id FROM users WHERE email = $1`, [email])).toEqual([]);
      expect(await api.db.query(`SELECT count(*)::int AS n FROM password_setup_tokens`)).toEqual([{ n: 0 }]);

      await api.db.query('DELETE FROM audit_fault');
      const created = await createUser({ email, invite: true });
      expect(created.status).toBe(201);
      expect(await audited('user.created', created.body.id)).toBe(1);
      expect(await audited('user.password.link_issued', created.body.id)).toBe(1);
    });

    it('update, disable, password reset and delete: the user is as it was when the record fails', async () => {
      const email = unique('registrar');
      const created = await createUser({ email, givenName: 'Ada', roles: ['clinician'], password: PASSWORD });
      const id = created.body.id as string;
      const before = await storedUser(id);

      await fault('user.updated');
      expectRefused(await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { givenName: 'Grace' }, headers: { 'if-match': '"1"' } }));
      await fault('user.disabled');
      expectRefused(await api.call('POST', `/admin/v1/users/${id}/disable`, { token: root }));
      await fault('user.password.reset');
      expectRefused(await api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { password: OTHER_PASSWORD } }));
      expectRefused(await api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { link: true } }));
      await fault('user.deleted');
      expectRefused(await api.call('DELETE', `/admin/v1/users/${id}`, { token: root }));

      expect(await storedUser(id)).toEqual(before);
      expect((await identity.checkPassword(email, PASSWORD)).ok).toBe(true);
      expect(await api.db.query(`SELECT count(*)::int AS n FROM password_setup_tokens WHERE user_id = $1`, [id])).toEqual([{ n: 0 }]);
      for (const event of ['user.updated', 'user.disabled', 'user.password.reset', 'user.deleted', 'mfa.reset']) expect(await audited(event, id)).toBe(0);

      await api.db.query('DELETE FROM audit_fault');
      expect((await api.call('PATCH', `/admin/v1/users/${id}`, { token: root, body: { givenName: 'Grace' }, headers: { 'if-match': '"1"' } })).status).toBe(200);
      expect((await api.call('POST', `/admin/v1/users/${id}/disable`, { token: root })).status).toBe(200);
      expect((await api.call('POST', `/admin/v1/users/${id}/password`, { token: root, body: { password: OTHER_PASSWORD } })).status).toBe(200);
      expect((await api.call('DELETE', `/admin/v1/users/${id}`, { token: root })).status).toBe(204);
      expect(await storedUser(id)).toMatchObject({ given_name: null, status: 'disabled', hash: null, deleted_at: expect.any(Date) });
      for (const event of ['user.updated', 'user.disabled', 'user.password.reset', 'user.deleted', 'mfa.reset']) expect(await audited(event, id)).toBe(1);
    });

    it('a listener reaction fails with the record: mfa.reset failing keeps the user undeleted', async () => {
      const created = await createUser({ email: unique('listener'), password: PASSWORD });
      await fault('mfa.reset');
      expectRefused(await api.call('DELETE', `/admin/v1/users/${created.body.id}`, { token: root }));
      expect(await storedUser(created.body.id)).toMatchObject({ deleted_at: null, status: 'active' });
      expect(await audited('user.deleted', created.body.id)).toBe(0);
    });
  });

  describe('policies', () => {
    it('a policy change is not in force without its policy.updated record', async () => {
      const read = () => api.call('GET', '/admin/v1/policies', { token: root });
      const etag = (await read()).headers.get('etag')!;
      await fault('policy.updated');
      expectRefused(await api.call('PATCH', '/admin/v1/policies', { token: root, body: { password: { minLength: 16 } }, headers: { 'if-match': etag } }));
      const after = await read();
      expect(after.headers.get('etag')).toBe(etag);
      expect(after.body.policies.password.minLength).toBe(12);
      // Nor does this instance apply it from memory.
      const short = await createUser({ email: unique('policy'), password: 'thirteen char' });
      expect(short.status).toBe(201);

      await api.db.query('DELETE FROM audit_fault');
      const changed = await api.call('PATCH', '/admin/v1/policies', { token: root, body: { password: { minLength: 16 } }, headers: { 'if-match': etag } });
      expect(changed.status).toBe(200);
      expect(await api.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'policy.updated'`)).toEqual([{ n: 1 }]);
    });

    const createUser = (body: unknown) => api.call('POST', '/admin/v1/users', { token: root, body });
  });

  it('leaves a chain that verifies after every refused write', async () => {
    const report = await api.call('GET', '/admin/v1/audit/verify', { token: root });
    expect(report.body).toMatchObject({ ok: true, firstBroken: null });
  });
});
