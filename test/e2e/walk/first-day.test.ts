import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from '../../support/axe.js';
import { launchBrowser } from '../../support/browser.js';
import {
  addVirtualAuthenticator,
  consoleScreen,
  consoleToken,
  enrolTotp,
  keepRecoveryCodes,
  submitPassword,
  verifyTotp,
  watchPage,
  writeControls,
} from '../../support/console-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { apiCall } from '../../support/fixture.js';
import { waitFor } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import type { TotpDevice } from '../../support/totp.js';

const LINK = /create the first one at (http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})/;
const ADMIN = { email: 'it.admin@hospital.test', password: 'a long and unusual passphrase 7' };
const NURSE = { email: 'ward.nurse@hospital.test', password: 'the nurse has a long passphrase 3' };
const AUDITOR = { email: 'compliance@hospital.test', password: 'an auditor reads only, passphrase 5' };

/**
 * A hospital's first day with Caduceus (#20), in one story and one Chromium, against the
 * service as an operator starts it: the setup link from the start-up output makes the first
 * administrator (password and TOTP), who lands in the admin console and creates a nurse, an
 * auditor and an app through its forms. The nurse signs in to the account console, adds a
 * passkey, makes new recovery codes after a fresh TOTP and signs out another device. The
 * auditor's console has no write controls, and the API refuses the write the page does not offer.
 */
describe('first day: setup link → admin console → account console → auditor', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await startService({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'info' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await db?.drop();
  });

  /** A new browser (its own cookies and storage) with one page watched for errors. */
  async function person(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    return { page, problems: watchPage(page) };
  }

  /** Opens the admin console in `page`, which sends it to sign in (password, then `second`). */
  async function intoConsole(page: Page, who: { email: string; password: string }, second: (page: Page) => Promise<unknown>): Promise<void> {
    await page.goto(`${service.url}/admin/console`);
    await submitPassword(page, who.email, who.password);
    await second(page);
    await page.waitForURL((u) => u.pathname === '/admin/console' && !u.search);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  }

  /** Signs in at /account (password, then `second`) and waits for the console's home. */
  async function intoAccount(page: Page, second: (page: Page) => Promise<unknown>): Promise<void> {
    await page.goto(`${service.url}/account`);
    await submitPassword(page, NURSE.email, NURSE.password);
    await second(page);
    await page.waitForURL(`${service.url}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
  }

  /** The console's "Create or invite a user" form, with an initial password and some roles. */
  async function createUser(page: Page, who: { email: string; password: string }, givenName: string, roles: { admin?: string[]; other?: string }): Promise<void> {
    await consoleScreen(page, service.url, '#/users');
    await page.getByRole('link', { name: 'Create or invite a user' }).click();
    await page.getByRole('heading', { name: 'Create or invite a user' }).waitFor();
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Given name').fill(givenName);
    for (const role of roles.admin ?? []) await page.getByLabel(role, { exact: true }).check();
    if (roles.other) await page.getByLabel('Other roles').fill(roles.other);
    await page.getByLabel('Set an initial password now').check();
    await page.getByLabel('Initial password', { exact: true }).fill(who.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('status').getByText(`Created ${who.email}.`).waitFor();
  }

  it('walks the first day in one story', async () => {
    // 1. The start-up output names the one-time setup link.
    const link = LINK.exec(await waitFor('the setup link', async () => (LINK.test(service.output()) ? service.output() : undefined), 10_000))![1]!;
    const { page: admin, problems: adminProblems } = await person();
    await admin.goto(link);
    await admin.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await admin.getByLabel('Email').fill(ADMIN.email);
    await admin.getByLabel('Given name').fill('Ada');
    await admin.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await admin.getByRole('button', { name: 'Create administrator' }).click();
    const adminTotp = await enrolTotp(admin);
    await admin.getByRole('heading', { name: 'Administrator created' }).waitFor();
    expect(await admin.locator('#recovery-codes li').count()).toBe(10);

    // 2. Into the admin console, signing in through Caduceus with the new password and TOTP.
    await admin.getByRole('link', { name: 'Open the admin console' }).click();
    await submitPassword(admin, ADMIN.email, ADMIN.password);
    await verifyTotp(admin, adminTotp);
    await admin.waitForURL((u) => u.pathname === '/admin/console' && !u.search);
    await admin.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    expect(await admin.getByText(`Roles: super-admin`).or(admin.getByText(`${ADMIN.email} · super-admin`)).count()).toBe(1);
    await expectAccessible(admin, 'admin console, users');

    // 3. A nurse, an auditor and an app, through the console's forms.
    await createUser(admin, NURSE, 'Grace', { other: 'clinician' });
    await createUser(admin, AUDITOR, 'Carl', { admin: ['auditor'] });
    await consoleScreen(admin, service.url, '#/apps/new');
    await admin.getByLabel('Web app with a back end').check();
    await admin.getByLabel('Name people see').fill('Medication chart');
    await admin.getByLabel('Redirect URIs', { exact: true }).fill('https://chart.hospital.test/callback');
    await admin.getByRole('button', { name: 'Register app' }).click();
    await admin.getByRole('status').getByText('Client secret').waitFor();
    const clientId = (await admin.locator('code.client-id').textContent())!;
    // What the console wrote is what the API holds (read with the administrator's own token).
    const adminToken = await consoleToken(admin);
    const app = await apiCall(service.url, 'GET', `/admin/v1/clients/${encodeURIComponent(clientId)}`, { token: adminToken });
    expect(app.body).toMatchObject({ name: 'Medication chart', type: 'confidential', redirectUris: ['https://chart.hospital.test/callback'] });
    const users = await apiCall(service.url, 'GET', '/admin/v1/users?limit=50', { token: adminToken });
    expect(Object.fromEntries(users.body.items.map((u: { email: string; roles: string[] }) => [u.email, u.roles]))).toEqual({
      [ADMIN.email]: ['super-admin'],
      [NURSE.email]: ['clinician'],
      [AUDITOR.email]: ['auditor'],
    });
    // The administrator's view of a user has write controls: what the auditor's must lack.
    const nurseId = users.body.items.find((u: { email: string }) => u.email === NURSE.email).id as string;
    await consoleScreen(admin, service.url, `#/users/${nurseId}`);
    expect(await writeControls(admin)).toEqual(expect.arrayContaining(['button: Disable user', 'button: Reset MFA']));
    expect(adminProblems).toEqual([]);

    // 4. The nurse's first sign-in to the account console enrols TOTP and shows recovery codes.
    const { page: nurse, problems: nurseProblems } = await person();
    let nurseTotp!: TotpDevice;
    let firstCodes: string[] = [];
    await intoAccount(nurse, async (p) => {
      nurseTotp = await enrolTotp(p);
      firstCodes = await keepRecoveryCodes(p);
    });
    expect(await nurse.textContent('main')).toContain(NURSE.email);

    // 5. New recovery codes need a fresh second factor: the console asks for it first.
    await nurse.getByRole('link', { name: 'Two-step verification' }).click();
    await nurse.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await nurse.getByRole('button', { name: 'Create new recovery codes' }).click();
    await verifyTotp(nurse, nurseTotp);
    await nurse.getByText('You verified yourself recently').waitFor();
    // A passkey, made by the (virtual) platform authenticator of this browser.
    await addVirtualAuthenticator(nurse);
    await nurse.getByRole('button', { name: 'Add a passkey' }).click();
    await nurse.getByText('Your passkey was added').waitFor();
    expect(await nurse.locator('#factors li').count()).toBe(2);
    await nurse.getByRole('button', { name: 'Create new recovery codes' }).click();
    await nurse.getByRole('heading', { name: 'New recovery codes' }).waitFor();
    const fresh = (await nurse.locator('#recovery-codes li').allTextContents()).map((c) => c.trim());
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => firstCodes.includes(c))).toEqual([]);
    await nurse.getByRole('link', { name: 'I have saved them' }).click();
    await nurse.getByRole('heading', { name: 'Two-step verification' }).waitFor();

    // 6. Another device signs in (after the factor changes, which ended any other session),
    //    and the nurse signs it out from the first one.
    const { page: otherDevice } = await person();
    await intoAccount(otherDevice, (p) => verifyTotp(p, nurseTotp));
    await nurse.getByRole('link', { name: 'Signed-in devices' }).click();
    await nurse.getByText('Another device').waitFor();
    await nurse.getByRole('button', { name: 'Sign out all other devices (1)' }).click();
    await nurse.getByText('Every other device was signed out.').waitFor();
    await otherDevice.goto(`${service.url}/account`);
    await otherDevice.getByRole('button', { name: 'Sign in' }).waitFor();
    // The first device is still signed in.
    await nurse.goto(`${service.url}/account`);
    await nurse.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(nurseProblems).toEqual([]);

    // 7. The auditor (TOTP enrolled at the first sign-in, as the console needs a second factor)
    //    reads every screen of the console and finds nothing that writes.
    const { page: auditor, problems: auditorProblems } = await person();
    await intoConsole(auditor, AUDITOR, async (p) => {
      await enrolTotp(p);
      await keepRecoveryCodes(p);
    });
    const nav = await auditor.getByRole('navigation', { name: 'Admin console' }).getByRole('link').allTextContents();
    expect(nav).not.toContain('Webhooks');
    for (const hash of ['#/users', `#/users/${nurseId}`, '#/users/new', '#/groups', '#/groups/new', '#/apps', `#/apps/${encodeURIComponent(clientId)}`, '#/apps/new', '#/keys', '#/audit', '#/posture', '#/break-glass', '#/identity-providers', '#/identity-providers/new']) {
      await consoleScreen(auditor, service.url, hash);
      expect(await writeControls(auditor), hash).toEqual([]);
    }
    // The token the console holds, used by hand for the write the page does not offer.
    const auditorToken = await consoleToken(auditor);
    const forged = await apiCall(service.url, 'POST', '/admin/v1/users', { token: auditorToken, body: { email: 'intruder@hospital.test', invite: true } });
    expect(forged.status).toBe(403);
    const search = await apiCall(service.url, 'GET', '/admin/v1/users?q=intruder', { token: auditorToken });
    expect(search.status).toBe(200);
    expect(search.body.items).toEqual([]);
    expect(auditorProblems).toEqual([]);
  });
});
