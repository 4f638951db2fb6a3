import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { authorize, signIn } from '../../support/sign-in-flow.js';
import { useEvents } from '../../support/fixture.js';
import { useAdminApi } from './admin-api.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/** Sessions through the admin API: real sign-ins, real refresh tokens, real PostgreSQL. */
describe('/admin/v1/sessions', () => {
  const api = useAdminApi();
  let admin: string;
  let config: oidc.Configuration;
  let clientId: string;
  const events = useEvents(api, (event) => event?.name === 'session.revoked');

  beforeAll(async () => {
    ({ clientId, config } = await api.registerClient({
      name: 'Ward board',
      mfaPolicy: 'optional', // password-only sign-ins keep this suite about sessions
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
    admin = await api.token(['user-admin']);
  });

  async function newUser(email: string): Promise<string> {
    const res = await api.call('POST', '/admin/v1/users', { token: admin, body: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function signedIn(email: string) {
    const browser = new HttpBrowser(api.url);
    const { tokens } = await signIn(browser, config, REDIRECT, { email, password: PASSWORD }, { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.refresh_token).toBeTruthy();
    return { browser, tokens };
  }

  const sessionsOf = async (userId: string, token = admin) => api.call('GET', `/admin/v1/users/${userId}/sessions`, { token });

  it('lists active sessions with account, login time, amr, apps and expiry, never the session id', async () => {
    const userId = await newUser('charge.nurse@hospital.test');
    await signedIn('charge.nurse@hospital.test');
    const res = await sessionsOf(userId);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [session] = res.body.items;
    expect(session).toMatchObject({ accountId: userId, clientIds: [clientId] });
    expect(session.amr).toContain('pwd');
    expect(new Date(session.loginAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const ids = await api.db.query<{ id: string }>(`SELECT id FROM oidc_artifacts WHERE model = 'Session' AND uid = $1`, [session.uid]);
    expect(JSON.stringify(res.body)).not.toContain(ids[0]!.id);

    const all = await api.call('GET', `/admin/v1/sessions?accountId=${userId}`, { token: await api.token(['auditor']) });
    expect(all.status).toBe(200);
    expect(all.body.items.map((s: { uid: string }) => s.uid)).toEqual([session.uid]);
  });

  it('pages through sessions with a cursor', async () => {
    const userId = await newUser('float.nurse@hospital.test');
    await signedIn('float.nurse@hospital.test');
    await signedIn('float.nurse@hospital.test');
    const first = await api.call('GET', `/admin/v1/sessions?accountId=${userId}&limit=1`, { token: admin });
    expect(first.body.items).toHaveLength(1);
    const second = await api.call('GET', `/admin/v1/sessions?accountId=${userId}&limit=1&cursor=${first.body.nextCursor}`, { token: admin });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].uid).not.toBe(first.body.items[0].uid);
    expect(second.body.nextCursor).toBeNull();
  });

  it('revoking one session ends it and its refresh token fails at once; the other session lives', async () => {
    const userId = await newUser('registrar@hospital.test');
    const a = await signedIn('registrar@hospital.test');
    const b = await signedIn('registrar@hospital.test');
    const listed = (await sessionsOf(userId)).body.items as Array<{ uid: string }>;
    expect(listed).toHaveLength(2);
    const target = listed[0]!.uid;

    const res = await api.call('DELETE', `/admin/v1/sessions/${target}`, { token: admin });
    expect(res.status).toBe(204);
    expect((await sessionsOf(userId)).body.items.map((s: { uid: string }) => s.uid)).toEqual([listed[1]!.uid]);
    expect(events.filter((e) => (e.payload as { sessionUid: string }).sessionUid === target)).toHaveLength(1);

    // Whichever browser held the revoked session: its refresh token is dead, the other one works.
    const outcomes = await Promise.allSettled([oidc.refreshTokenGrant(config, a.tokens.refresh_token!), oidc.refreshTokenGrant(config, b.tokens.refresh_token!)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ error: 'invalid_grant' });
    expect((await api.call('DELETE', `/admin/v1/sessions/${target}`, { token: admin })).status).toBe(404);
  });

  it("revoking all of a user's sessions ends every one and their tokens", async () => {
    const userId = await newUser('locum@hospital.test');
    const a = await signedIn('locum@hospital.test');
    const b = await signedIn('locum@hospital.test');
    const res = await api.call('DELETE', `/admin/v1/users/${userId}/sessions`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expect((await sessionsOf(userId)).body.items).toEqual([]);
    for (const s of [a, b]) {
      await expect(oidc.refreshTokenGrant(config, s.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expect((await oidc.tokenIntrospection(config, s.tokens.access_token)).active).toBe(false);
    }
    // The browser has to sign in again.
    expect((await authorize(a.browser, config, REDIRECT)).page).toContain('name="password"');
  });

  it('disabling a user through the API ends their sessions and their refresh tokens fail at once', async () => {
    const userId = await newUser('leaver@hospital.test');
    const { browser, tokens } = await signedIn('leaver@hospital.test');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    const res = await api.call('POST', `/admin/v1/users/${userId}/disable`, { token: admin });
    expect(res.status).toBe(200);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await sessionsOf(userId)).body.items).toEqual([]);
    expect((await authorize(browser, config, REDIRECT)).page).toContain('name="password"');
  });

  it('deleting a user through the API ends their sessions and tokens too', async () => {
    const userId = await newUser('deleted@hospital.test');
    const { tokens } = await signedIn('deleted@hospital.test');
    expect((await api.call('DELETE', `/admin/v1/users/${userId}`, { token: admin })).status).toBe(204);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await sessionsOf(userId)).body.items).toEqual([]);
  });

  it('answers 401 without a token, 403 without the role, 400 naming the bad field', async () => {
    expect((await api.call('GET', '/admin/v1/sessions')).status).toBe(401);
    expect((await api.call('DELETE', '/admin/v1/sessions/abc')).status).toBe(401);
    const keyAdmin = await api.token(['key-admin']);
    expect((await api.call('GET', '/admin/v1/sessions', { token: keyAdmin })).status).toBe(403);
    const auditor = await api.token(['auditor']);
    expect((await api.call('DELETE', '/admin/v1/sessions/abc', { token: auditor })).status).toBe(403);
    expect((await api.call('DELETE', '/admin/v1/users/6a1f6f1e-0000-4000-8000-000000000000/sessions', { token: auditor })).status).toBe(403);

    const bad = await api.call('GET', '/admin/v1/sessions?accountId=nobody&limit=0', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['accountId', 'limit']);
    expect((await api.call('DELETE', '/admin/v1/sessions/not%20a%20uid', { token: admin })).body.errors[0].field).toBe('uid');
    expect((await api.call('GET', '/admin/v1/users/xyz/sessions', { token: admin })).body.errors[0].field).toBe('id');
  });
  it("lets only super-admin end a session of a protected-role holder by its uid (a user-admin cannot sign a key-admin out)", async () => {
    const root = await api.token(['super-admin']);
    const created = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'keys.officer@hospital.test', password: PASSWORD, roles: ['key-admin'] } });
    expect(created.status).toBe(201);
    await signedIn('keys.officer@hospital.test');
    const [session] = (await sessionsOf(created.body.id, root)).body.items as Array<{ uid: string }>;

    const refused = await api.call('DELETE', `/admin/v1/sessions/${session!.uid}`, { token: admin });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/only super-admin/);
    expect((await sessionsOf(created.body.id, root)).body.items.map((s: { uid: string }) => s.uid), 'the session lives').toEqual([session!.uid]);
    const audited = await api.db.query<{ details: { path?: string } }>(`SELECT details FROM audit_events WHERE event_type = 'admin.forbidden' AND details->>'path' = $1`, [`/admin/v1/sessions/${session!.uid}`]);
    expect(audited, 'the refusal is audited').toHaveLength(1);

    expect((await api.call('DELETE', `/admin/v1/sessions/${session!.uid}`, { token: root })).status).toBe(204);
    expect((await sessionsOf(created.body.id, root)).body.items).toEqual([]);
  });
});
