import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { launchBrowser } from '../../support/browser.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { buildAuthorizationUrl, startCallbackServer, type RelyingParty } from '../../support/relying-party.js';
import { signIn } from '../../support/sign-in-flow.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { startHospitalIdp, type HospitalIdp } from './hospital-idp.js';

/**
 * A nurse who signed in to an app through the hospital directory signs out of the app
 * (RP-initiated logout): Caduceus ends its session, sends the browser to the directory's
 * end_session_endpoint (our last upstream ID token as hint), and the directory sends it back
 * to Caduceus, which continues to the app's post_logout_redirect_uri with the app's state.
 * Afterwards neither Caduceus nor the directory still has a session in that browser.
 */
describe('signing out ends the upstream directory session too', () => {
  let api: AdminApi;
  let hospital: HospitalIdp;
  let browser: Browser;
  let rp: RelyingParty;
  let config: oidc.Configuration;
  let loggedOut: string;

  beforeAll(async () => {
    api = await startAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true', MFA_POLICY: 'optional' });
    hospital = await startHospitalIdp(
      `${api.url}/federation/callback`,
      {
        'j.okafor': {
          password: 'directory password 1',
          claims: { email: 'joy.okafor@st-example.test', email_verified: true, given_name: 'Joy', family_name: 'Okafor' },
        },
      },
      { postLogoutRedirectUri: `${api.url}/federation/logout/callback` },
    );
    const created = await api.call('POST', '/admin/v1/identity-providers', {
      token: await api.token(['super-admin']),
      body: {
        id: 'st-example',
        displayName: 'St. Example Directory',
        issuer: hospital.issuer,
        clientId: hospital.clientId,
        clientSecret: hospital.clientSecret,
        useUserinfo: true,
        allowedDomains: ['st-example.test'],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    rp = await startCallbackServer();
    loggedOut = rp.redirectUri.replace(/\/callback$/, '/signed-out');
    const { clientId, clientSecret } = await api.running.app.get(ClientsService).createClient({
      name: 'Ward rota',
      mfaPolicy: 'optional',
      type: 'confidential',
      redirectUris: [rp.redirectUri],
      postLogoutRedirectUris: [loggedOut],
      grantTypes: ['authorization_code'],
    });
    config = await oidc.discovery(new URL(api.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await hospital?.close();
    await api?.close();
  });

  /** Signs in through the directory in this browser context; returns the app's ID token. */
  async function signInThroughDirectory(context: BrowserContext): Promise<string> {
    const request = await buildAuthorizationUrl(config, rp.redirectUri);
    const page = await context.newPage();
    await page.goto(request.url.href);
    await page.getByRole('button', { name: 'Sign in with St. Example Directory' }).click();
    await page.waitForURL((url) => url.href.startsWith(hospital.issuer));
    await page.getByLabel('Username').fill('j.okafor');
    await page.getByLabel('Directory password').fill('directory password 1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri) || url.pathname.startsWith('/interaction/'), { timeout: 8000 }).catch(async (e) => {
      throw new Error(`${e.message}\nat ${page.url()}\n${(await page.content()).slice(0, 1500)}`);
    });
    if (!page.url().startsWith(rp.redirectUri)) await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
    await page.close();
    const tokens = await oidc.authorizationCodeGrant(config, rp.callbacks.at(-1)!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    return tokens.id_token!;
  }

  it('goes through the directory’s end_session and lands on the app’s post_logout_redirect_uri with its state', async () => {
    const context = await browser.newContext();
    const idToken = await signInThroughDirectory(context);
    const page = await context.newPage();
    await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: loggedOut, state: 'app-state-42' }).href);
    await page.getByRole('button', { name: 'Sign out' }).click();

    // At the directory: its own logout, with our last upstream ID token and our callback.
    await page.waitForURL((url) => url.href.startsWith(`${hospital.issuer}/session/end`));
    const atUpstream = new URL(page.url());
    expect(atUpstream.searchParams.get('post_logout_redirect_uri')).toBe(`${api.url}/federation/logout/callback`);
    expect(atUpstream.searchParams.get('client_id')).toBe(hospital.clientId);
    const { payload: hint } = await jwtVerify(atUpstream.searchParams.get('id_token_hint')!, createRemoteJWKSet(new URL(`${hospital.issuer}/jwks`)), {
      issuer: hospital.issuer,
      audience: hospital.clientId,
    });
    expect(hint.sub).toBe('j.okafor');
    // Where we go afterwards travels sealed: the directory learns nothing of the app.
    expect(atUpstream.searchParams.get('state')).not.toContain('app-state-42');
    expect(atUpstream.searchParams.get('state')).not.toContain(new URL(loggedOut).host);

    await page.getByRole('button', { name: 'Sign out of the directory' }).click();
    await page.waitForURL((url) => url.href.startsWith(loggedOut));
    expect(new URL(page.url()).searchParams.get('state')).toBe('app-state-42');

    // No session left here: a silent authorization request comes back login_required.
    const silent = await buildAuthorizationUrl(config, rp.redirectUri, { prompt: 'none' });
    await page.goto(silent.url.href);
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
    expect(new URL(page.url()).searchParams.get('error')).toBe('login_required');
    // Nor at the directory: signing in with it asks for the directory password again.
    const again = await buildAuthorizationUrl(config, rp.redirectUri);
    await page.goto(again.url.href);
    await page.getByRole('button', { name: 'Sign in with St. Example Directory' }).click();
    await page.waitForURL((url) => url.href.startsWith(hospital.issuer));
    await expect(page.getByLabel('Directory password').count()).resolves.toBe(1);
    await context.close();

    const logouts = await api.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'auth.logout'`);
    expect(logouts[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it('the callback follows only a state it sealed itself; anything else ends on our signed-out page', async () => {
    for (const state of ['', 'v1.AAAA.BBBB.CCCC', encodeURIComponent('https://evil.example/')]) {
      const res = await fetch(new URL(`/federation/logout/callback?state=${state}`, api.url), { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('You are signed out');
    }
  });

  it('a session that signed in with a local password is not sent to the directory', async () => {
    await api.call('POST', '/admin/v1/users', {
      token: await api.token(['user-admin']),
      body: { email: 'locum@hospital.test', password: 'a long and unusual passphrase 7' },
    });
    const http = new HttpBrowser(api.url);
    const { tokens } = await signIn(http, config, rp.redirectUri, { email: 'locum@hospital.test', password: 'a long and unusual passphrase 7' });
    const confirm = await http.request(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: loggedOut, state: 's1' }).href);
    const html = await confirm.text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const done = await http.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${loggedOut}?state=s1`);
  });
});
