import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { startLogoutReceiver, type LogoutReceiver } from '../../support/relying-party.js';
import { alertText, authorize, signIn } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

describe('sign-in sessions, failures and logout', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let identity: IdentityService;
  let config: oidc.Configuration;
  let receiver: LogoutReceiver;
  let clientId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), LOCKOUT_THRESHOLD: '3', OUTBOUND_ALLOW_LOOPBACK: 'true' });
    receiver = await startLogoutReceiver();
    const created = await running.app.get(ClientsService).createClient({
      name: 'Ward board',
      mfaPolicy: 'optional', // password-only flows are under test here; MFA has its own suite
      type: 'confidential',
      redirectUris: [REDIRECT],
      postLogoutRedirectUris: ['http://127.0.0.1:9/signed-out'],
      grantTypes: ['authorization_code', 'refresh_token'],
      backchannelLogoutUri: receiver.uri,
    });
    clientId = created.clientId;
    identity = running.app.get(IdentityService);
    config = await oidc.discovery(new URL(running.url), clientId, undefined, oidc.ClientSecretBasic(created.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await receiver?.close();
    await running?.close();
    await db?.drop();
  });

  const user = async (email: string) => identity.createUser({ email, password: PASSWORD, givenName: 'Test' });

  async function failedSignIn(email: string, password: string) {
    const browser = new HttpBrowser(running.url);
    const { page } = await authorize(browser, config, REDIRECT);
    const res = await browser.submitSignIn(page!, { email, password });
    return { status: res.status, message: alertText(await res.text()) };
  }

  it('answers a wrong password, an unknown email and a disabled user with the same message', async () => {
    await user('nurse.wrong@hospital.test');
    const disabled = await user('nurse.disabled@hospital.test');
    await identity.disableUser(disabled.id);

    const wrong = await failedSignIn('nurse.wrong@hospital.test', 'definitely not it');
    const unknown = await failedSignIn('nobody.here@hospital.test', PASSWORD);
    const off = await failedSignIn('nurse.disabled@hospital.test', PASSWORD);
    expect(wrong.message).toMatch(/email or password is incorrect/i);
    expect([unknown, off]).toEqual([wrong, wrong]);
    expect(wrong.status).toBe(401);
  });

  it('locks an account after repeated failures, and says nothing different while it is locked', async () => {
    const locked = await user('resident.locked@hospital.test');
    for (let i = 0; i < 3; i++) await failedSignIn('resident.locked@hospital.test', `wrong password ${i}`);
    const [row] = await db.query<{ locked_until: Date | null }>('SELECT locked_until FROM users WHERE id = $1', [locked.id]);
    expect(row!.locked_until!.getTime()).toBeGreaterThan(Date.now());

    const right = await failedSignIn('resident.locked@hospital.test', PASSWORD);
    expect(right.status).toBe(401);
    expect(right.message).toMatch(/email or password is incorrect/i);

    // An email with no account locks the same way: the lock itself reveals nothing.
    for (let i = 0; i < 4; i++) await failedSignIn('ghost@hospital.test', `guess ${i}`);
    expect(await failedSignIn('ghost@hospital.test', PASSWORD)).toEqual(right);
  });

  it('refuses a form posted without its CSRF token, without checking the password', async () => {
    await user('csrf.victim@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { page } = await authorize(browser, config, REDIRECT);
    const action = /<form method="post" action="([^"]+)"/.exec(page!)![1]!;
    const res = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'csrf.victim@hospital.test', password: PASSWORD }),
    });
    expect(res.status).toBe(401);
    expect(alertText(await res.text())).toMatch(/incorrect/);
  });

  it('keeps a session for single sign-on, but prompt=login forces a new sign-in', async () => {
    await user('attending.sso@hospital.test');
    const browser = new HttpBrowser(running.url);
    const first = await signIn(browser, config, REDIRECT, { email: 'attending.sso@hospital.test', password: PASSWORD });
    const firstAuthTime = first.tokens.claims()!.auth_time!;

    const silent = await authorize(browser, config, REDIRECT);
    expect(silent.callback?.searchParams.get('code')).toBeTruthy();

    const forced = await authorize(browser, config, REDIRECT, { prompt: 'login' });
    expect(forced.callback).toBeUndefined();
    expect(forced.page).toContain('name="password"');

    await new Promise((r) => setTimeout(r, 1100));
    const again = await signIn(browser, config, REDIRECT, { email: 'attending.sso@hospital.test', password: PASSWORD }, { prompt: 'login' });
    expect(again.tokens.claims()!.auth_time).toBeGreaterThan(firstAuthTime);
  });

  it('renews the session id at sign-in (no session fixation)', async () => {
    await user('fixation@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { page } = await authorize(browser, config, REDIRECT);
    const before = browser.cookie('caduceus_session');
    const posted = await browser.submitSignIn(page!, { email: 'fixation@hospital.test', password: PASSWORD });
    await browser.follow(posted.headers.get('location')!);
    const after = browser.cookie('caduceus_session');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
  });

  it('ends the session on RP-initiated logout and notifies the app over the back channel', async () => {
    const nurse = await user('nurse.logout@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { tokens } = await signIn(browser, config, REDIRECT, { email: 'nurse.logout@hospital.test', password: PASSWORD });

    const end = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://127.0.0.1:9/signed-out',
      state: 'bye',
    });
    const confirm = await browser.follow(end);
    const html = await confirm.res.text();
    expect(html).toContain('Sign out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await browser.request('/session/end/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(back.href).toBe('http://127.0.0.1:9/signed-out?state=bye');

    expect(receiver.tokens).toHaveLength(1);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(receiver.tokens[0]!, jwks, { issuer: running.url, audience: clientId });
    expect(payload.sub).toBe(nurse.id);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.sid).toBe(tokens.claims()!.sid);

    const after = await authorize(browser, config, REDIRECT);
    expect(after.callback).toBeUndefined();
    expect(after.page).toContain('name="password"');
  });

  it('disabling a user ends their sessions and their refresh tokens fail at once', async () => {
    const doomed = await user('leaver@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { tokens } = await signIn(
      browser,
      config,
      REDIRECT,
      { email: 'leaver@hospital.test', password: PASSWORD },
      { scope: 'openid offline_access', prompt: 'consent' },
    );
    expect(tokens.refresh_token).toBeTruthy();
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);

    await identity.disableUser(doomed.id);

    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const again = await authorize(browser, config, REDIRECT);
    expect(again.page).toContain('name="password"');
  });
});

describe('idle logoff', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), SESSION_IDLE_TTL: '5' });
    const created = await running.app.get(ClientsService).createClient({
      name: 'Kiosk',
      mfaPolicy: 'optional', // password-only flows are under test here; MFA has its own suite
      type: 'confidential',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
    });
    await running.app.get(IdentityService).createUser({ email: 'idle@hospital.test', password: PASSWORD });
    config = await oidc.discovery(new URL(running.url), created.clientId, undefined, oidc.ClientSecretBasic(created.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('signs the user out after the configured idle time, while activity keeps the session alive', async () => {
    const browser = new HttpBrowser(running.url);
    await signIn(browser, config, REDIRECT, { email: 'idle@hospital.test', password: PASSWORD });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await authorize(browser, config, REDIRECT)).callback, 'activity within the idle time').toBeDefined();
    await new Promise((r) => setTimeout(r, 3000));
    expect((await authorize(browser, config, REDIRECT)).callback, 'activity again refreshed the session').toBeDefined();
    await new Promise((r) => setTimeout(r, 6500));
    const after = await authorize(browser, config, REDIRECT);
    expect(after.callback).toBeUndefined();
    expect(after.page).toContain('name="password"');
  });
});
