import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { reachApp, useBrowser } from '../../support/browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl, useCallbackServer } from '../../support/relying-party.js';

const EMAIL = 'dr.grey@hospital.test';
const PASSWORD = 'correct horse battery staple 42';

/**
 * A clinician signs in to a downstream app through the real pages in a real browser, and the
 * app's OIDC library (openid-client) gets an ID token it can verify.
 */
describe('sign-in in a real browser', () => {
  const running = useApp({ env: { BRAND_NAME: 'St. Example Hospital' } });
  const rp = useCallbackServer();
  const browser = useBrowser();
  let config: oidc.Configuration;
  let userId: string;

  beforeAll(async () => {
    ({ config } = await running.registerClient({
      name: 'EHR Viewer',
      mfaPolicy: 'optional', // password-only flows are under test here; MFA has its own suite
      redirectUris: [rp.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
    }));
    ({ id: userId } = await running.app.get(IdentityService).createUser({
      email: EMAIL,
      password: PASSWORD,
      givenName: 'Meredith',
      familyName: 'Grey',
      emailVerified: true,
      roles: ['clinician'],
    }));
  });

  it('goes from the app to the sign-in page and back with a verifiable ID token', async () => {
    const request = await buildAuthorizationUrl(config, rp.redirectUri);
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(request.url.href);
    expect(response?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    expect(response?.headers()['cache-control']).toBe('no-store');

    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    expect(await page.textContent('header')).toContain('St. Example Hospital');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const consoleMessages: string[] = [];
    page.on('console', (m) => consoleMessages.push(m.text()));
    await reachApp(page, rp.redirectUri).catch(async (e) => {
      throw new Error(`${e.message}\nat ${page.url()}\n${(await page.content()).slice(0, 800)}\n${consoleMessages.join('\n')}`);
    });
    await page.context().close();

    const callback = rp.callbacks.at(-1)!;
    expect(callback.searchParams.get('iss')).toBe(running.url);
    const before = Math.floor(Date.now() / 1000);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, {
      issuer: running.url,
      audience: config.clientMetadata().client_id,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.nonce).toBe(request.nonce);
    expect(payload.sub).toBe(userId);
    expect(payload.sub).not.toBe(EMAIL);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
    expect(payload.auth_time).toBeGreaterThan(before - 120);
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, userId);
    expect(userinfo).toMatchObject({
      sub: userId,
      email: EMAIL,
      email_verified: true,
      name: 'Meredith Grey',
      given_name: 'Meredith',
      family_name: 'Grey',
      roles: ['clinician'],
    });
  });

  it('shows the same message for a wrong password, in the page the browser renders', async () => {
    const request = await buildAuthorizationUrl(config, rp.redirectUri);
    const page = await (await browser.newContext()).newPage();
    await page.goto(request.url.href);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('not the right password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toMatch(/email or password is incorrect/i);
    expect(await page.inputValue('#email')).toBe(EMAIL);
    expect(await page.inputValue('#password')).toBe('');
    await page.context().close();
  });
});
