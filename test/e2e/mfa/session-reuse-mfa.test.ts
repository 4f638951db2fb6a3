import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { allowIfAsked, authorize } from '../../support/sign-in-flow.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * Found by an outside attack on the sign-in (#16): a password-only session made at an app whose
 * policy lets it in without a second factor must not satisfy an app whose policy requires one.
 * The second app's request re-opens the sign-in at the second-factor step (enrolment for a user
 * without a factor), and never hands that app a code for a password-only sign-in.
 */
describe('a password-only session reused by an app that requires MFA', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let relaxed: oidc.Configuration;
  let strict: oidc.Configuration;

  const register = async (name: string, mfaPolicy: 'required' | 'optional') => {
    const c = await running.app
      .get(ClientsService)
      .createClient({ name, type: 'confidential', mfaPolicy, redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    return oidc.discovery(new URL(running.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), { execute: [oidc.allowInsecureRequests] });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), MFA_POLICY: 'optional' });
    relaxed = await register('Cafeteria menu', 'optional');
    strict = await register('ICU charting', 'required');
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  /** Follows redirects (answering consent with Allow) until the app's callback or a page that is neither. */
  const settle = async (browser: HttpBrowser, reached: { res: Response; url: URL }) =>
    reached.url.href.startsWith(REDIRECT) ? reached : allowIfAsked(browser, reached.res, reached.url);

  it('sends the second app to the second-factor step, and gives it no code for the password alone', async () => {
    await running.app.get(IdentityService).createUser({ email: 'porter@hospital.test', password: PASSWORD });
    const browser = new HttpBrowser(running.url);

    // 1. The relaxed app: the password alone is enough there.
    const first = await authorize(browser, relaxed, REDIRECT);
    const posted = await browser.submitSignIn(first.page!, { email: 'porter@hospital.test', password: PASSWORD });
    expect(posted.status).toBe(303);
    const back = await settle(browser, await browser.follow(posted.headers.get('location')!));
    expect(back.url.href.startsWith(REDIRECT) && back.url.searchParams.has('code'), 'the relaxed app signs in with the password').toBe(true);

    // 2. The strict app, same browser session: not a code, the second-factor step.
    const request = await buildAuthorizationUrl(strict, REDIRECT, {});
    const ended = await settle(browser, await browser.follow(request.url));
    expect(ended.url.href.startsWith(REDIRECT) && ended.url.searchParams.has('code'), 'the strict app got a code for a password-only session').toBe(false);
    expect(ended.url.pathname).toMatch(/^\/interaction\/[^/]+\/mfa(\/|$)/);
  });
});
