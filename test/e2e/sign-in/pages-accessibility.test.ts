import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MfaService } from '../../../src/mfa/index.js';
import { expectAccessibleAtBothWidths } from '../../support/axe.js';
import { continuePastRecoveryCodes, launchBrowser } from '../../support/browser.js';
import { useApp, type RegisteredClient } from '../../support/fixture.js';
import { buildAuthorizationUrl, startCallbackServer, type RelyingParty } from '../../support/relying-party.js';
import { totpCode } from '../../support/totp.js';

const PASSWORD = 'a long and unusual passphrase 7';

/**
 * WCAG 2.2 AA (#20 item 6) on every server-rendered page a person meets outside the consoles:
 * sign-in (and its error), MFA enrolment, recovery codes, consent, the MFA challenge, logout,
 * emergency access (start, its refusal, its code step), the error and expired pages, the
 * password-setup page (and its invalid link), the landing and not-found pages. Each is checked
 * in Chromium with axe at desktop and phone width; any serious or critical violation, or a page
 * wider than a phone, fails the test. The pages' labels, autocomplete and lang are asserted too.
 */
describe('every sign-in, MFA, consent, emergency, error and setup page is accessible', () => {
  const api = useApp({ env: { SUPPORT_CONTACT: 'IT service desk, ext. 4357' } });
  let browser: Browser;
  let rp: RelyingParty;
  let client: RegisteredClient;

  beforeAll(async () => {
    rp = await startCallbackServer();
    client = await api.registerClient({ name: 'Ward whiteboard', redirectUris: [rp.redirectUri], grantTypes: ['authorization_code'] });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
  });

  const authorize = async (page: Page) => page.goto((await buildAuthorizationUrl(client.config, rp.redirectUri, { scope: 'openid email' })).url.href);

  async function autocompleteOf(page: Page, label: string): Promise<string | null> {
    return page.getByLabel(label, { exact: true }).getAttribute('autocomplete');
  }

  it('sign-in, MFA enrolment, recovery codes, consent, MFA challenge and logout', async () => {
    await api.createUser({ email: 'ann@hospital.test', password: PASSWORD, givenName: 'Ann' });
    const page = await (await browser.newContext()).newPage();
    await authorize(page);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toContain('Sign in');
    expect(await autocompleteOf(page, 'Email')).toBe('username');
    expect(await autocompleteOf(page, 'Password')).toBe('current-password');
    await expectAccessibleAtBothWidths(page, 'sign-in page');

    await page.getByLabel('Email').fill('ann@hospital.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessibleAtBothWidths(page, 'sign-in error');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await autocompleteOf(page, 'Authentication code')).toBe('one-time-code');
    await expectAccessibleAtBothWidths(page, 'MFA enrolment');
    const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
    await page.getByLabel('Authentication code').fill(await totpCode(secret, -1));
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'recovery codes');
    await continuePastRecoveryCodes(page);

    await page.getByRole('heading', { name: 'Allow Ward whiteboard to access your information?' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));

    await page.goto(`${api.url}/session/end`);
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'logout confirmation');

    const other = await (await browser.newContext()).newPage();
    await authorize(other);
    await other.getByLabel('Email').fill('ann@hospital.test');
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: 'Verify it is you' }).waitFor();
    await expectAccessibleAtBothWidths(other, 'MFA challenge');
    await other.getByText('Use a recovery code').click();
    await expectAccessibleAtBothWidths(other, 'MFA challenge, recovery code open');
  });

  it('emergency access: the form, its refusal with everything kept, and its code step', async () => {
    const user = await api.createUser({ email: 'ed@hospital.test', password: PASSWORD, roles: ['clinician', 'breakglass'] });
    const mfa = api.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(user.id, user.email);
    expect((await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);
    const page = await (await browser.newContext()).newPage();
    await authorize(page);
    await page.getByRole('link', { name: 'Emergency access' }).click();
    await page.getByRole('heading', { name: 'Emergency access' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'emergency access form');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Reason for emergency access').fill(`ICU${' '.repeat(30)}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessibleAtBothWidths(page, 'emergency access refusal');
    await page.getByLabel('Reason for emergency access').fill('Code blue in ICU bed 4; the attending is locked out of the EHR.');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Emergency access: verify it is you' }).waitFor();
    await page.getByText('Use a recovery code').click();
    await expectAccessibleAtBothWidths(page, 'emergency access code step');
  });

  it('error, expired, password setup, landing and not-found pages', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${api.url}/authorize?client_id=no-such-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(rp.redirectUri)}`);
    await page.getByRole('heading', { name: 'Something went wrong' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'error page');

    await page.goto(`${api.url}/interaction/abcdefghijklmnopqrst`);
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'expired sign-in');

    const invited = await api.call('POST', '/admin/v1/users', { token: await api.token(['super-admin']), body: { email: 'new.starter@hospital.test', invite: true } });
    expect(invited.status).toBe(201);
    await page.goto(invited.body.passwordSetupLink);
    await page.getByRole('heading', { name: 'Choose a password' }).waitFor();
    expect(await autocompleteOf(page, 'New password')).toBe('new-password');
    await expectAccessibleAtBothWidths(page, 'password setup');
    await page.goto(`${api.url}/account/password-setup?token=${'x'.repeat(43)}`);
    await page.getByRole('heading', { name: 'Link not valid' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'invalid setup link');

    await page.goto(`${api.url}/`);
    await expectAccessibleAtBothWidths(page, 'landing page');
    await page.goto(`${api.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expectAccessibleAtBothWidths(page, 'not-found page');
  });
});
