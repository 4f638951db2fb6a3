import { chromium, type Browser, type Page } from 'playwright-core';
import { useStarted } from './fixture.js';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A Chromium for the enclosing describe block: launched in beforeAll, closed in afterAll. */
export function useBrowser(): Browser {
  return useStarted('the browser', launchBrowser, (browser) => browser.close());
}

/**
 * Waits until the browser is back at the app; when the consent page asks first ("Allow"),
 * allows, as the user would. A second visit inside the same grant goes straight through.
 */
export async function reachApp(page: Page, redirectUri: string, timeout = 15_000): Promise<void> {
  const atApp = (url: URL) => url.href.startsWith(redirectUri);
  const allow = page.getByRole('button', { name: 'Allow' });
  const arrived = page.waitForURL(atApp, { timeout }).then(() => 'app' as const);
  const asked = allow.waitFor({ timeout }).then(() => 'consent' as const);
  arrived.catch(() => undefined);
  asked.catch(() => undefined);
  if ((await Promise.race([arrived, asked])) === 'consent' && !atApp(new URL(page.url()))) {
    await allow.click();
    await page.waitForURL(atApp, { timeout });
  }
}

/** The recovery-codes page of a sign-in: "I have saved my recovery codes" (required), then Continue. */
export async function continuePastRecoveryCodes(page: Page): Promise<void> {
  await page.getByLabel('I have saved my recovery codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}
