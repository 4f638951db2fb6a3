import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from '../../support/browser.js';
import { useApp, useEvents } from '../../support/fixture.js';
import { buildAuthorizationUrl, useCallbackServer, useLogoutReceiver } from '../../support/relying-party.js';
import { createApp, createUser, exchange, FHIR, PASSWORD, scopeSet } from '../../integration/consent/consent-harness.js';

const EMAIL = 'pat.example@patients.test';
const CEILING = ['patient/Observation.rs', 'patient/Patient.r', 'launch/patient', 'fhirUser'];
const ASKED = 'openid fhirUser launch/patient patient/*.cruds offline_access';
/** What the ceiling lets through of ASKED: the wildcard narrowed to the two allowed types, write removed. */
const GRANTED = 'openid fhirUser launch/patient patient/Observation.rs patient/Patient.r offline_access';

/**
 * A patient connects a SMART app that asks for more than its ceiling, in a real browser: the
 * consent page shows exactly the narrowed request, Allow issues tokens with that scope, the next
 * sign-in does not ask again, and revoking the app on the account page kills its tokens.
 */
describe('consent in a real browser', () => {
  const running = useApp({ env: { FHIR_BASE_URLS: FHIR, OUTBOUND_ALLOW_LOOPBACK: 'true', BRAND_NAME: 'St. Example Hospital' } });
  const events = useEvents(running);
  const rp = useCallbackServer();
  const receiver = useLogoutReceiver();
  const browser = useBrowser();
  let app: Awaited<ReturnType<typeof createApp>>;
  let userId: string;

  beforeAll(async () => {
    app = await createApp(running, {
      name: 'Vitals Tracker',
      redirectUris: [rp.redirectUri],
      resourceScopes: CEILING,
      backchannelLogoutUri: receiver.uri,
    });
    ({ id: userId } = await createUser(running, EMAIL, { fhirUser: 'Patient/p-123', patients: [] }));
  });

  async function signInFrom(page: Page, url: URL): Promise<void> {
    await page.goto(url.href);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const backAtApp = (page: Page) =>
    page.waitForURL((u) => u.href.startsWith(rp.redirectUri), { timeout: 10_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\nat ${page.url()}\n${(await page.content()).slice(0, 1500)}`);
    });

  it('narrows the request to the ceiling, shows it for consent, issues exactly that, asks once, and revocation kills the tokens', async () => {
    // 1. The app asks for more than its ceiling; the consent page shows the narrowed request.
    const first = await buildAuthorizationUrl(app.config, rp.redirectUri, { scope: ASKED, aud: FHIR });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInFrom(page, first.url);
    await page.getByRole('heading', { name: 'Allow Vitals Tracker to access your information?' }).waitFor();
    const response = await page.reload();
    expect(response?.headers()['cache-control']).toBe('no-store');
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    const text = (await page.textContent('main'))!;
    expect(text).toContain('Who you are');
    expect(text).toContain('Read your clinical data');
    expect(text).toContain('Stay connected');
    expect(text).not.toContain('Change your clinical data');
    expect(text).toContain('See and search lab results, vital signs and other observations in the patient record you open (patient/Observation.rs)');
    expect(text).toContain('(patient/Patient.r)');
    expect(text).not.toContain('patient/*.cruds');
    await expect(page.getByRole('button', { name: 'Deny' }).isVisible()).resolves.toBe(true);
    const narrowed = events.find((e) => e.name === 'scopes.narrowed' && (e.payload as { clientId: string }).clientId === app.clientId);
    expect(narrowed?.payload).toMatchObject({ requested: ASKED.split(' '), granted: GRANTED.split(' '), removed: ['patient/*.cruds'] });

    // 2. Allow: the token's scope is exactly the narrowed request, with the patient in context.
    await page.getByRole('button', { name: 'Allow' }).click();
    await backAtApp(page);
    const tokens = await exchange(app, rp.callbacks.at(-1)!, first);
    expect(scopeSet(tokens.scope)).toEqual(scopeSet(GRANTED));
    expect(tokens.patient).toBe('p-123');
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.claims()!.fhirUser).toBe('Patient/p-123');
    expect(await oidc.tokenIntrospection(app.config, tokens.access_token)).toMatchObject({ active: true, aud: FHIR, patient: 'p-123' });
    expect(events.filter((e) => e.name === 'consent.granted').map((e) => e.payload)).toEqual([
      expect.objectContaining({ userId, clientId: app.clientId, via: 'consent_page' }),
    ]);
    await context.close();

    // 3. A second sign-in (a new browser session) asks nothing: straight back to the app.
    const second = await buildAuthorizationUrl(app.config, rp.redirectUri, { scope: ASKED, aud: FHIR });
    const later = await browser.newContext();
    const again = await later.newPage();
    await signInFrom(again, second.url);
    await backAtApp(again);
    const secondTokens = await exchange(app, rp.callbacks.at(-1)!, second);
    expect(scopeSet(secondTokens.scope)).toEqual(scopeSet(GRANTED));
    expect(events.filter((e) => e.name === 'consent.granted')).toHaveLength(1);

    // 4. The patient revokes the app on the account page (the SMART management endpoint).
    await again.goto(`${running.url}/account/apps`);
    await again.getByRole('heading', { name: 'Vitals Tracker' }).waitFor();
    expect(await again.textContent('main')).toContain('See and search lab results');
    await again.getByRole('button', { name: 'Revoke access for Vitals Tracker' }).click();
    await again.getByText('Access was taken back').waitFor();
    expect(await again.getByRole('heading', { name: 'Vitals Tracker' }).count()).toBe(0);
    await later.close();

    // 5. Every token under the grant is dead: refresh fails, access tokens introspect inactive.
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(app.config, secondTokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(app.config, secondTokens.access_token)).active).toBe(false);
    expect(events.filter((e) => e.name === 'consent.revoked').map((e) => e.payload)).toEqual([
      expect.objectContaining({ userId, clientId: app.clientId, by: 'user', providerGrants: 2 }),
    ]);

    // 6. The app registered for back-channel logout and was told, for the session it was used in.
    expect(receiver.tokens.length).toBeGreaterThanOrEqual(1);
    const jwks = createRemoteJWKSet(new URL(app.config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(receiver.tokens.at(-1)!, jwks, { issuer: running.url, audience: app.clientId });
    expect(payload.sub).toBe(userId);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });

    // 7. The next sign-in asks again.
    const third = await buildAuthorizationUrl(app.config, rp.redirectUri, { scope: ASKED, aud: FHIR });
    const fresh = await (await browser.newContext()).newPage();
    await signInFrom(fresh, third.url);
    await fresh.getByRole('heading', { name: 'Allow Vitals Tracker to access your information?' }).waitFor();
    await fresh.context().close();
  });
});
