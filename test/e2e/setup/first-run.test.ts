import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessibleAtBothWidths } from '../../support/axe.js';
import { launchBrowser } from '../../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { waitFor } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { totpCode } from '../../support/totp.js';

const PASSWORD = 'a long and unusual passphrase 7';
const LINK = /create the first one at (http:\/\/\S+\/setup\/([A-Za-z0-9_-]{43}))/;

/**
 * First run (#20), as a new hospital engineer meets it: `npm start` on an empty database
 * prints one setup link; it creates the first super-admin with a password and TOTP, works
 * once, dies when it expires or a restart replaces it, and is never printed once an
 * administrator exists.
 */
describe('first run: the one-time setup link', () => {
  let db: TestDatabase;
  let browser: Browser;
  let service: ServiceProcess | undefined;
  const kek = randomBytes(32).toString('base64');
  const start = async () => (service = await startService({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: kek, LOG_LEVEL: 'info' }));
  const stop = async () => {
    await service?.stop();
    service = undefined;
  };
  // The banner ends with the console line (the link, when there is one, follows it at once).
  const banner = (s: ServiceProcess) => waitFor('the start-up banner', async () => (/admin console .*\n(.*\n)?/.test(s.output()) ? s.output() : undefined), 10_000);
  const linkOf = async (s: ServiceProcess) => {
    const m = LINK.exec(await waitFor('the setup link', async () => (LINK.test(s.output()) ? s.output() : undefined), 10_000));
    return { url: m![1]!, token: m![2]! };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await stop();
    await browser?.close();
    await db?.drop();
  });

  async function open(url: string): Promise<{ page: Page; status: number }> {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(url);
    return { page, status: response!.status() };
  }

  it('prints the link with the discovery and console URLs; a restart voids it; an expired link is refused', async () => {
    const first = await start();
    await banner(first);
    expect(first.output()).toMatch(/discovery http:\/\/\S+\/\.well-known\/openid-configuration/);
    expect(first.output()).toMatch(/admin console http:\/\/\S+\/admin\/console/);
    const old = await linkOf(first);
    const { page: before, status } = await open(old.url);
    expect(status).toBe(200);
    await before.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await expectAccessibleAtBothWidths(before, 'setup page');
    await before.context().close();
    await stop();

    const second = await start();
    const fresh = await linkOf(second);
    expect(fresh.token).not.toBe(old.token);
    expect((await open(`${second.url}/setup/${old.token}`)).status).toBe(404);

    // An hour later (the stored expiry moved into the past): the link is dead.
    await db.query(`UPDATE first_run_setup SET expires_at = now() - interval '1 second'`);
    const expired = await open(fresh.url);
    expect(expired.status).toBe(404);
    await expired.page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expectAccessibleAtBothWidths(expired.page, 'not-found page');
    // The page's reference code finds the audit record of the refusal.
    const reference = (await expired.page.textContent('code.ref'))!;
    const records = await db.query<{ event_type: string }>(`SELECT event_type FROM audit_events WHERE correlation_id = $1`, [reference]);
    expect(records.map((r) => r.event_type)).toEqual(['setup.refused']);
    await expired.page.context().close();
    await stop();
  });

  it('creates the first super-admin with a policy-checked password and TOTP, once; then no link and 404', async () => {
    const running = await start();
    const { url, token } = await linkOf(running);
    const { page } = await open(url);
    await page.getByLabel('Email').fill('it.admin@hospital.test');
    await page.getByLabel('Given name').fill('Ada');
    await page.getByLabel('Password', { exact: true }).fill('password1234');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/Password .*common/);
    // Nothing typed is lost but the password.
    expect(await page.getByLabel('Email').inputValue()).toBe('it.admin@hospital.test');
    expect((await db.query(`SELECT 1 FROM users`)).length).toBe(0);

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await page.textContent('main')).toContain('it.admin@hospital.test');
    await expectAccessibleAtBothWidths(page, 'setup TOTP page');
    const secret = (await page.textContent('#totp-secret'))!;
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Authentication code').fill(await totpCode((await page.textContent('#totp-secret'))!, 0));
    expect((await page.textContent('#totp-secret'))!.replace(/\s/g, '')).toBe(secret.replace(/\s/g, ''));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Administrator created' }).waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    expect(await page.getByRole('link', { name: 'Open the admin console' }).getAttribute('href')).toBe('/admin/console');
    await expectAccessibleAtBothWidths(page, 'setup done page');
    await page.context().close();

    const [admin] = await db.query<{ roles: string[]; confirmed: boolean }>(
      `SELECT u.roles, f.confirmed FROM users u JOIN mfa_factors f ON f.user_id = u.id WHERE u.email = 'it.admin@hospital.test'`,
    );
    expect(admin).toEqual({ roles: ['super-admin'], confirmed: true });
    // Stored only as a hash: the token itself is nowhere in the database.
    const stored = await db.query<{ token_hash: string }>(`SELECT token_hash FROM first_run_setup`);
    expect(stored.every((r) => !r.token_hash.includes(token))).toBe(true);

    // Used once: the same link now answers 404.
    expect((await open(url)).status).toBe(404);
    // The token was printed once and never logged again (the request log redacts it).
    expect(running.output().split(token).length - 1).toBe(1);
    await stop();

    // A restart with an administrator: no link, and /setup/* is 404.
    const after = await start();
    await banner(after);
    expect(after.output()).not.toMatch(LINK);
    expect(after.output()).not.toContain(token);
    const refused = await open(`${after.url}/setup/${token}`);
    expect(refused.status).toBe(404);
    await refused.page.context().close();
    const events = await db.query<{ event_type: string; outcome: string }>(`SELECT event_type, outcome FROM audit_events WHERE event_type LIKE 'setup.%' ORDER BY seq`);
    const types = events.map((e) => e.event_type);
    expect(types.filter((t) => t === 'setup.link_issued').length).toBe(3);
    expect(types).toContain('setup.completed');
    expect(events.filter((e) => e.event_type === 'setup.refused').every((e) => e.outcome === 'failure')).toBe(true);
    expect(types.filter((t) => t === 'setup.refused').length).toBeGreaterThanOrEqual(4);
  });
});
