import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { FederationBroker } from '../../../src/federation/index.js';
import { launchBrowser } from '../../support/browser.js';
import { buildAuthorizationUrl, startCallbackServer, type RelyingParty } from '../../support/relying-party.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { startHospitalIdp, type HospitalIdp } from './hospital-idp.js';

/**
 * A nurse signs in to a downstream app with the hospital's own directory, in a real browser:
 * app → Caduceus sign-in page → "Sign in with St. Example Directory" → the directory's own login
 * page → back through Caduceus → app. The IdP is configured through the admin API, and the app's
 * ID token carries the claims and roles Caduceus mapped from the directory.
 */
describe('brokered sign-in to the hospital directory in a real browser', () => {
  let api: AdminApi;
  let hospital: HospitalIdp;
  let browser: Browser;
  let rp: RelyingParty;
  let config: oidc.Configuration;

  beforeAll(async () => {
    api = await startAdminApi({ OUTBOUND_ALLOW_LOOPBACK: 'true', MFA_POLICY: 'optional', BRAND_NAME: 'St. Example Hospital' });
    hospital = await startHospitalIdp(`${api.url}/federation/callback`, {
      'j.okafor': {
        password: 'directory password 1',
        claims: { email: 'joy.okafor@st-example.test', email_verified: true, given_name: 'Joy', family_name: 'Okafor', groups: ['ICU Nurses'] },
      },
    });
    const created = await api.call('POST', '/admin/v1/identity-providers', {
      token: await api.token(['super-admin']),
      headers: { 'idempotency-key': 'c0a80101-0000-4000-8000-000000000001' },
      body: {
        id: 'st-example',
        displayName: 'St. Example Directory',
        issuer: hospital.issuer,
        clientId: hospital.clientId,
        clientSecret: hospital.clientSecret,
        scopes: ['openid', 'email', 'profile', 'groups'],
        useUserinfo: true,
        allowedDomains: ['st-example.test'],
        roleMapping: { 'ICU Nurses': ['nurse', 'icu'] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(hospital.clientSecret);
    rp = await startCallbackServer();
    const { clientId, clientSecret } = await api.running.app.get(ClientsService).createClient({
      name: 'Ward rota',
      mfaPolicy: 'optional',
      type: 'confidential',
      redirectUris: [rp.redirectUri],
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

  it('signs in through the upstream directory and gives the app the mapped claims and roles', async () => {
    const request = await buildAuthorizationUrl(config, rp.redirectUri);
    const page = await (await browser.newContext()).newPage();
    await page.goto(request.url.href);
    await page.getByRole('button', { name: 'Sign in with St. Example Directory' }).click();

    await page.waitForURL((url) => url.href.startsWith(hospital.issuer));
    await page.getByLabel('Username').fill('j.okafor');
    await page.getByLabel('Directory password').fill('directory password 1');
    await page.getByRole('button', { name: 'Log in' }).click();

    // New to this app: Caduceus's own consent step follows the brokered sign-in.
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri) || url.pathname.startsWith('/interaction/'));
    if (!page.url().startsWith(rp.redirectUri)) await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri), { timeout: 8000 }).catch(async (e) => {
      throw new Error(`${e.message}\nat ${page.url()}\n${(await page.content()).slice(0, 1200)}`);
    });
    await page.context().close();

    const tokens = await oidc.authorizationCodeGrant(config, rp.callbacks.at(-1)!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!)), {
      issuer: api.url,
      audience: config.clientMetadata().client_id,
    });
    expect(payload.sub).not.toBe('j.okafor');
    expect(payload.amr).toEqual(['fed']);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub!);
    expect(userinfo).toMatchObject({
      email: 'joy.okafor@st-example.test',
      email_verified: true,
      given_name: 'Joy',
      family_name: 'Okafor',
      roles: ['icu', 'nurse'],
    });
    const linked = await api.db.query(`SELECT subject, user_id FROM federated_identities WHERE idp_id = 'st-example'`);
    expect(linked).toEqual([{ subject: 'j.okafor', user_id: payload.sub }]);

    // Ending the session here can end the directory's too: its end_session URL with our last upstream ID token as hint.
    const logout = new URL((await api.running.app.get(FederationBroker).upstreamLogoutUrl(payload.sub!))!);
    expect(logout.origin + logout.pathname).toBe(`${hospital.issuer}/session/end`);
    const { payload: hint } = await jwtVerify(logout.searchParams.get('id_token_hint')!, createRemoteJWKSet(new URL(`${hospital.issuer}/jwks`)), {
      issuer: hospital.issuer,
      audience: hospital.clientId,
    });
    expect(hint.sub).toBe('j.okafor');
  });
});
