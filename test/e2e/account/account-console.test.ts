import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityService } from '../../../src/identity/index.js';
import { expectAccessible } from '../../support/axe.js';
import { launchBrowser, continuePastRecoveryCodes } from '../../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { totpCode } from '../../support/totp.js';

const PASSWORD = 'a long and unusual passphrase 7';
const NEW_PASSWORD = 'another quite unusual passphrase 9';
const EMAIL = 'ward.nurse@hospital.test';

/**
 * The account console (#20) in Chromium, as a nurse uses it and as an attacker tries it: sign
 * in through Caduceus, change the password (other devices signed out), sign out another
 * device, a CSRF-less POST and a factor removal without step-up refused, a fresh TOTP, then a
 * passkey (virtual authenticator) and new recovery codes. axe on every page, desktop and phone.
 */
describe('the account console', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let browser: Browser;
  let secret = '';
  let firstCodes: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), SUPPORT_CONTACT: 'IT service desk, ext. 4357', MFA_MAX_ATTEMPTS: '3' });
    await running.app.get(IdentityService).createUser({ email: EMAIL, password: PASSWORD, givenName: 'Grace' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await db?.drop();
  });

  /** /account sends a stranger to sign in; back at the console once signed in. */
  async function signIn(context: BrowserContext, password: string, second: (page: Page) => Promise<void>): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${running.url}/account`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await second(page);
    await page.waitForURL(`${running.url}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    return page;
  }

  const withTotp = (offset: number) => async (page: Page) => {
    await page.getByRole('heading', { name: 'Verify it is you' }).waitFor();
    await page.getByLabel('Authentication code').fill(await totpCode(secret, offset));
    await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
  };

  async function signedOut(page: Page): Promise<boolean> {
    await page.goto(`${running.url}/account`);
    return (await page.getByRole('button', { name: 'Sign in' }).count()) === 1;
  }

  it('walks the console: password, devices, refused attacks, step-up, passkey, recovery codes', async () => {
    // First sign-in: the MFA policy enrols TOTP (step -1 used), recovery codes are shown once.
    const a = await browser.newContext();
    const page = await signIn(a, PASSWORD, async (p) => {
      await p.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
      secret = (await p.textContent('#totp-secret'))!;
      await p.getByLabel('Authentication code').fill(await totpCode(secret, -1));
      await p.getByRole('button', { name: 'Verify' }).click();
      await p.getByRole('heading', { name: 'Recovery codes' }).waitFor();
      firstCodes = (await p.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
      await continuePastRecoveryCodes(p);
    });
    expect(await page.textContent('main')).toContain(EMAIL);
    await expectAccessible(page, 'profile');

    // A second device signs in with a recovery code.
    const b = await browser.newContext();
    const other = await signIn(b, PASSWORD, async (p) => {
      await p.getByRole('heading', { name: 'Verify it is you' }).waitFor();
      await p.getByText('Use a recovery code').click();
      await p.getByLabel('Recovery code').fill(firstCodes[0]!);
      await p.getByRole('button', { name: 'Verify' }).last().click();
    });

    // Password change: the current one must be right; the new one follows the policy.
    await page.getByRole('link', { name: 'Password' }).click();
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    await expectAccessible(page, 'password page');
    expect(await page.getByLabel('Current password').getAttribute('autocomplete')).toBe('current-password');
    expect(await page.getByLabel('New password').getAttribute('autocomplete')).toBe('new-password');
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not your current password');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill('password1234');
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/New password .*common/);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed').waitFor();
    expect((await running.app.get(IdentityService).checkPassword(EMAIL, NEW_PASSWORD)).ok).toBe(true);
    // The other device was signed out by the change.
    expect(await signedOut(other)).toBe(true);
    await b.close();

    // A third device signs in with the new password (TOTP step 0); the nurse signs it out.
    const c = await browser.newContext();
    const third = await signIn(c, NEW_PASSWORD, withTotp(0));
    await page.getByRole('link', { name: 'Signed-in devices' }).click();
    await page.getByText('Another device').waitFor();
    await expectAccessible(page, 'sessions page');
    await page.getByRole('button', { name: /Sign out all other devices/ }).click();
    await page.getByText('Every other device was signed out.').waitFor();
    expect(await page.getByText('Another device').count()).toBe(0);
    expect(await signedOut(third)).toBe(true);
    await c.close();

    // Attacker: a POST without the CSRF token changes nothing.
    const before = await db.query(`SELECT code_hash FROM mfa_recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1 ORDER BY code_hash`, [EMAIL]);
    const forged = await page.request.post(`${running.url}/account/security/recovery-codes`, { form: {}, headers: { origin: running.url }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    const forgedPassword = await page.request.post(`${running.url}/account/password`, {
      form: { currentPassword: NEW_PASSWORD, newPassword: 'an attacker chosen passphrase 1' },
      maxRedirects: 0,
    });
    expect(forgedPassword.status()).toBe(403);
    expect((await running.app.get(IdentityService).checkPassword(EMAIL, NEW_PASSWORD)).ok).toBe(true);

    // Attacker with the session: removing the factor without a fresh second factor is refused.
    await page.getByRole('link', { name: 'Two-step verification' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await expectAccessible(page, 'security page');
    await page.getByRole('button', { name: /^Remove/ }).click();
    await page.getByRole('heading', { name: 'Verify it is you' }).waitFor();
    await expectAccessible(page, 'step-up page');
    expect((await db.query(`SELECT 1 FROM mfa_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1 AND f.confirmed`, [EMAIL])).length).toBe(1);

    // A fresh TOTP (step +1), then a passkey and new recovery codes.
    await page.getByLabel('Authentication code').fill(await totpCode(secret, 1));
    await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
    await page.getByText('You verified yourself recently').waitFor();
    const cdp = await a.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Your passkey was added').waitFor();
    expect(await page.locator('#factors li').count()).toBe(2);

    await page.getByRole('button', { name: 'Create new recovery codes' }).click();
    await page.getByRole('heading', { name: 'New recovery codes' }).waitFor();
    await expectAccessible(page, 'recovery codes page');
    const fresh = (await page.locator('#recovery-codes li').allTextContents()).map((x) => x.trim());
    expect(fresh).toHaveLength(10);
    expect(fresh.some((x) => firstCodes.includes(x))).toBe(false);
    const after = await db.query(`SELECT code_hash FROM mfa_recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1 ORDER BY code_hash`, [EMAIL]);
    expect(after).not.toEqual(before);
    expect(await page.getByRole('link', { name: 'Download the codes' }).getAttribute('download')).toBe('recovery-codes.txt');
    await page.getByRole('link', { name: 'I have saved them' }).click();

    await page.getByRole('link', { name: 'Connected apps' }).click();
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    await expectAccessible(page, 'connected apps page');

    // Phone width: the same pages, still without a serious violation.
    await page.setViewportSize({ width: 375, height: 740 });
    for (const path of ['/account', '/account/password', '/account/security', '/account/sessions']) {
      await page.goto(`${running.url}${path}`);
      await expectAccessible(page, `${path} at phone width`);
    }

    const events = (await db.query<{ event_type: string; outcome: string }>(`SELECT event_type, outcome FROM audit_events WHERE event_type LIKE 'account.%' ORDER BY seq`)).map(
      (e) => `${e.event_type}:${e.outcome}`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        'account.password_change.refused:failure',
        'account.sessions.ended:success',
        'account.change.refused:failure',
        'account.step_up.succeeded:success',
      ]),
    );
    await a.close();
  });

  it('signs a person out everywhere after MFA_MAX_ATTEMPTS wrong step-up codes', async () => {
    const email = 'night.porter@hospital.test';
    await running.app.get(IdentityService).createUser({ email, password: PASSWORD });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${running.url}/account`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    const own = (await page.textContent('#totp-secret'))!;
    await page.getByLabel('Authentication code').fill(await totpCode(own, -1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await continuePastRecoveryCodes(page);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    await page.goto(`${running.url}/account/verify`);
    const max = 3; // MFA_MAX_ATTEMPTS of this app
    for (let i = 0; i < max - 1; i++) {
      await page.getByLabel('Authentication code').fill('000000');
      await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
      await page.getByRole('alert').waitFor();
    }
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Too many wrong codes' }).waitFor();
    expect(await signedOut(page)).toBe(true);
    await context.close();
  });

  it('helps a stuck person: landing page, branded 404 for browsers, problem+json for API clients', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${running.url}/`);
    await page.getByRole('link', { name: 'Your account' }).waitFor();
    expect(await page.getByRole('link', { name: 'discovery document' }).getAttribute('href')).toBe('/.well-known/openid-configuration');
    await expectAccessible(page, 'landing page');
    const missing = await page.goto(`${running.url}/no/such/page`);
    expect(missing!.status()).toBe(404);
    expect(await page.title()).toMatch(/^Page not found/);
    expect(await page.textContent('main')).toContain('IT service desk, ext. 4357');
    const reference = (await page.textContent('code.ref'))!;
    expect(missing!.headers()['x-request-id']).toBe(reference);
    await expectAccessible(page, 'not-found page');

    // A sign-in that no longer exists: Start again, the help desk, a reference code.
    await page.goto(`${running.url}/interaction/AbCdEfGhIjKlMnOp`);
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    expect(await page.textContent('main')).toContain('IT service desk, ext. 4357');
    expect(await page.locator('code.ref').count()).toBe(1);
    await expectAccessible(page, 'expired sign-in page');

    // A protocol error: plain words first, the raw error behind Details.
    await page.goto(`${running.url}/authorize?client_id=no-such-app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb`);
    await page.getByRole('heading', { name: 'Something went wrong' }).waitFor();
    expect(await page.locator('details code').textContent()).toMatch(/invalid_client|invalid_request/);
    expect(await page.locator('details code').isVisible()).toBe(false);
    expect(await page.locator('code.ref').count()).toBe(1);
    await expectAccessible(page, 'protocol error page');
    await page.context().close();

    const api = await fetch(`${running.url}/no/such/resource`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await api.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });
});
