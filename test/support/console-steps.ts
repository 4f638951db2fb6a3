import type { Page } from 'playwright-core';
import { continuePastRecoveryCodes } from './browser.js';
import { TotpDevice } from './totp.js';

/**
 * Steps a person takes in the browser, shared by the console walks (admin console, account
 * console, first run): each waits on what the page shows, never on time.
 */

/**
 * Every console error, failed response and CSP violation of a page: a blocked inline style or
 * script shows as a `securitypolicyviolation` event (recorded by a script the test injects,
 * which the CSP does not govern) and as a console error.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    // Chromium asks every page without an icon link for /favicon.ico: the sign-in pages (not the
    // console's, which name an icon) have none yet, and the service has no such file.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  void page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  return problems;
}

/** The sign-in form: email, password, Sign in. */
export async function submitPassword(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * The "Set up two-step verification" page (at sign-in or first run): reads the key shown,
 * confirms it with a code from it, and returns the authenticator now holding it.
 */
export async function enrolTotp(page: Page): Promise<TotpDevice> {
  await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
  const device = new TotpDevice((await page.textContent('#totp-secret'))!);
  await page.getByLabel('Authentication code').fill(await device.next());
  await page.getByRole('button', { name: 'Verify' }).click();
  return device;
}

/** The recovery codes shown once after enrolment at sign-in; "I have saved them", then Continue goes on to the app. */
export async function keepRecoveryCodes(page: Page): Promise<string[]> {
  await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
  const codes = (await page.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
  await continuePastRecoveryCodes(page);
  return codes;
}

/** "Verify it is you" (a sign-in's second step, or a step-up): the next code of the authenticator. */
export async function verifyTotp(page: Page, device: TotpDevice): Promise<void> {
  await page.getByRole('heading', { name: 'Verify it is you' }).waitFor();
  await page.getByLabel('Authentication code').fill(await device.next());
  await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
}

/** A platform authenticator with user verification, through the Chrome DevTools Protocol. */
export async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
}

/** The admin API token the console holds in this tab (what an attacker with the tab would take). */
export function consoleToken(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(sessionStorage.getItem('caduceus.console.signed')!) as { accessToken: string }).accessToken);
}

/** Waits until the console has rendered a screen (its main area names the section when ready). */
export async function consoleScreen(page: Page, base: string, hash: string): Promise<void> {
  const target = `${base}/admin/console${hash}`;
  // The same address again is no navigation: the screen shown is the one asked for.
  if (page.url() !== target) {
    await page.evaluate("document.querySelector('main')?.removeAttribute('data-ready')");
    await page.goto(target);
  }
  await page.locator(`main[data-ready="${hash.slice(2).split(/[/?]/)[0]}"]`).waitFor();
}

/**
 * The controls of the console's main area that could change something: every button and form
 * but the search forms and the read-only tools (verify the audit chain, export it).
 */
export function writeControls(page: Page): Promise<string[]> {
  // A string: the test's TypeScript has no DOM types (it runs in the page).
  return page.evaluate(`(() => {
    const readOnly = new Set(['Verify the chain', 'Export']);
    const main = document.querySelector('main');
    return [...main.querySelectorAll('button, form, input[type=submit]')]
      .filter((el) => !el.closest('[role=search]'))
      .filter((el) => !(el.tagName === 'BUTTON' && readOnly.has(el.textContent.trim())))
      .map((el) => el.tagName.toLowerCase() + ': ' + (el.textContent.trim().slice(0, 40) || el.getAttribute('aria-label') || ''));
  })()`);
}
