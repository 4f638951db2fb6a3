import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { expectAccessible } from '../../support/axe.js';
import { launchBrowser } from '../../support/browser.js';
import { apiCall } from '../../support/fixture.js';
import { consoleScreen, consoleToken, submitPassword, watchPage } from '../../support/console-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { TotpDevice } from '../../support/totp.js';

const PASSWORD = 'a long and unusual passphrase 7';
const BOOTSTRAP_ID = 'bootstrap-admin';
const BOOTSTRAP_SECRET = 'a-bootstrap-secret-of-at-least-32-characters';

/**
 * The admin console in Chromium: it signs the administrator in through Caduceus (code + PKCE,
 * MFA) and works only through the public admin API with that person's token, so what a role
 * may do is what the API allows.
 */
describe('admin console', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let browser: Browser;
  let adminTotp: TotpDevice;
  let auditorTotp: TotpDevice;

  const personWithTotp = async (email: string, roles: string[]) => {
    const user = await running.app.get(IdentityService).createUser({ email, password: PASSWORD, roles });
    const mfa = running.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(user.id, user.email);
    const device = new TotpDevice(enrolment.secret);
    expect((await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await device.next())).ok).toBe(true);
    return device;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: testKek(),
      BOOTSTRAP_ADMIN_CLIENT_ID: BOOTSTRAP_ID,
      BOOTSTRAP_ADMIN_CLIENT_SECRET: BOOTSTRAP_SECRET,
    });
    adminTotp = await personWithTotp('admin@hospital.test', ['super-admin']);
    auditorTotp = await personWithTotp('auditor@hospital.test', ['auditor']);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await db?.drop();
  });

  /** Opens the console and signs in as a person would: password, then the TOTP code. */
  async function signIn(context: BrowserContext, email: string, totp: TotpDevice): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${running.url}/admin/console`);
    await submitPassword(page, email, PASSWORD);
    await page.getByLabel('Authentication code').fill(await totp.next());
    await page.getByRole('button', { name: 'Verify', exact: true }).first().click();
    await page.waitForURL((u) => u.pathname === '/admin/console' && !u.search);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    return { page, problems };
  }

  it('without a sign-in, the console sends the browser to sign in, and never calls the API', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const api: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/admin/v1')) api.push(r.url());
    });
    await page.goto(`${running.url}/admin/console#/users`);
    await page.getByLabel('Password').waitFor();
    const at = new URL(page.url());
    expect(at.origin).toBe(running.url);
    expect(at.pathname).not.toMatch(/^\/admin\/console/);
    expect(api).toEqual([]);
    // Opened under another name of the host, it moves to the issuer's origin before signing in.
    const other = await context.newPage();
    await other.goto(`${running.url.replace('localhost', '127.0.0.1')}/admin/console`);
    await other.getByLabel('Password').waitFor();
    expect(new URL(other.url()).origin).toBe(running.url);
    // The console is a public client of this service, registered when first opened: PKCE, no secret.
    expect(await running.app.get(ClientsService).findProviderMetadata('caduceus-admin-console')).toMatchObject({
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${running.url}/admin/console`],
    });
    await context.close();
  });

  it('an administrator with TOTP signs in, creates a user and registers an app: no CSP violation, no serious axe finding', async () => {
    const context = await browser.newContext();
    const { page, problems } = await signIn(context, 'admin@hospital.test', adminTotp);
    await expectAccessible(page, 'users screen');

    await page.getByRole('link', { name: 'Create or invite a user' }).click();
    await page.getByRole('heading', { name: 'Create or invite a user' }).waitFor();
    await expectAccessible(page, 'create user screen');
    await page.getByLabel('Email').fill('nurse@hospital.test');
    await page.getByLabel('Given name').fill('Nora');
    await page.getByLabel('Family name').fill('Nurse');
    await page.getByLabel('Other roles').fill('clinician');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('status').getByText('Invitation link').waitFor();
    const link = await page.locator('.once code').textContent();
    expect(link).toMatch(new RegExp(`^${running.url}/`));
    const created = await running.app.get(IdentityService).findByEmail('nurse@hospital.test');
    expect(created).toMatchObject({ givenName: 'Nora', familyName: 'Nurse' });

    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('link', { name: 'Register an app' }).click();
    await page.getByRole('heading', { name: 'Register an app' }).waitFor();
    await expectAccessible(page, 'register app screen');
    await page.getByLabel('Web app with a back end').check();
    await page.getByLabel('Name people see').fill('Medication chart');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://chart.hospital.test/callback');
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.getByRole('status').getByText('Client secret').waitFor();
    const clientId = (await page.locator('code.client-id').textContent())!;
    const secret = (await page.locator('.once code').textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const registered = await running.app.get(ClientsService).findProviderMetadata(clientId);
    expect(registered).toMatchObject({ client_name: 'Medication chart', redirect_uris: ['https://chart.hospital.test/callback'] });

    for (const screen of ['#/keys', '#/audit', '#/posture', '#/break-glass', '#/identity-providers', '#/webhooks', `#/apps/${clientId}`, `#/users/${created!.id}`]) {
      await consoleScreen(page, running.url, screen);
      await expectAccessible(page, screen);
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('groups, identity providers and webhooks through their forms, each screen without a serious axe finding', async () => {
    const context = await browser.newContext();
    const { page, problems } = await signIn(context, 'admin@hospital.test', adminTotp);
    page.on('dialog', (d) => void d.accept());
    const identity = running.app.get(IdentityService);
    const nurse = (await identity.findByEmail('nurse@hospital.test'))!;

    // A group: created with the roles it grants, a member added by email, the roles changed.
    await consoleScreen(page, running.url, '#/groups');
    await expectAccessible(page, 'groups');
    await page.getByRole('link', { name: 'Create a group' }).click();
    await page.getByRole('heading', { name: 'Create a group' }).waitFor();
    await expectAccessible(page, 'create group');
    await page.getByLabel('Group name').fill('Ward 7 nurses');
    await page.getByLabel('Roles it grants').fill('clinician ward7');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'Group Ward 7 nurses' }).waitFor();
    await page.getByLabel('Email of the person to add').fill('nurse@hospital.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('link', { name: 'nurse@hospital.test' }).waitFor();
    await page.locator('main[data-ready="groups"]').waitFor();
    await expectAccessible(page, 'group detail');
    await page.getByLabel('Roles it grants').fill('clinician ward7 night');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const groupId = new URL(page.url()).hash.split('/')[2]!;
    const group = await apiCall(running.url, 'GET', `/admin/v1/groups/${groupId}`, { token: await consoleToken(page) });
    expect(group.body).toMatchObject({ displayName: 'Ward 7 nurses', roles: ['clinician', 'ward7', 'night'], members: [{ id: nurse.id }] });
    // The member's screen names the group.
    await consoleScreen(page, running.url, `#/users/${nurse.id}`);
    await page.locator('section[aria-labelledby="groups"]').getByRole('link', { name: 'Ward 7 nurses' }).waitFor();

    // An identity provider: added (secret write-only), then edited.
    await consoleScreen(page, running.url, '#/identity-providers');
    await page.getByRole('link', { name: 'Add an identity provider' }).click();
    await page.getByRole('heading', { name: 'Add an identity provider' }).waitFor();
    await expectAccessible(page, 'add identity provider');
    await page.getByLabel('Id', { exact: true }).fill('hospital-ad');
    await page.getByLabel('Name people see').fill('Hospital directory');
    await page.getByLabel('Issuer').fill('https://login.hospital.test');
    await page.getByLabel('Client id').fill('caduceus');
    await page.getByLabel('Client secret').fill('an upstream client secret');
    await page.getByLabel('Allowed email domains').fill('hospital.test');
    await page.getByLabel('Role mapping').fill('ward-nurses = clinician');
    await page.getByRole('button', { name: 'Add identity provider' }).click();
    await page.getByRole('heading', { name: 'Identity provider Hospital directory' }).waitFor();
    await expectAccessible(page, 'identity provider detail');
    await page.getByLabel('Name people see').fill('Hospital Active Directory');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const idp = await apiCall(running.url, 'GET', '/admin/v1/identity-providers/hospital-ad', { token: await consoleToken(page) });
    expect(idp.body).toMatchObject({ displayName: 'Hospital Active Directory', hasClientSecret: true, allowedDomains: ['hospital.test'], roleMapping: { 'ward-nurses': ['clinician'] } });
    expect(JSON.stringify(idp.body)).not.toContain('an upstream client secret');
    await consoleScreen(page, running.url, '#/identity-providers/hospital-ad');
    await page.getByRole('button', { name: 'Remove identity provider' }).click();
    await page.getByRole('heading', { name: 'Identity providers', level: 1 }).waitFor();
    await page.getByText('No identity provider').waitFor();

    // A webhook: added with its signing secret shown once, then removed.
    await consoleScreen(page, running.url, '#/webhooks');
    await page.getByLabel('Endpoint URL').fill('https://siem.hospital.test/caduceus');
    await page.getByLabel(/Emergency access starts/).uncheck();
    await page.getByLabel('Description').fill('security operations');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('status').getByText('Signing secret').waitFor();
    await page.getByRole('cell', { name: 'security operations' }).waitFor();
    await expectAccessible(page, 'webhooks');
    const hooks = await apiCall(running.url, 'GET', '/admin/v1/webhooks', { token: await consoleToken(page) });
    expect(hooks.body.items).toEqual([expect.objectContaining({ url: 'https://siem.hospital.test/caduceus', eventTypes: ['user.locked', 'mfa.reset', 'keys.revoked', 'audit.verified'] })]);
    // Edited through its form (If-Match from the read): new URL, one event fewer, switched off.
    await page.getByRole('button', { name: 'Edit the webhook to https://siem.hospital.test/caduceus' }).click();
    const editHook = page.getByRole('form', { name: 'Edit webhook' });
    await editHook.getByLabel('Endpoint URL').fill('https://siem.hospital.test/caduceus/v2');
    await editHook.getByLabel(/keys\.revoked/).uncheck();
    await editHook.getByLabel(/Enabled/).uncheck();
    await editHook.getByRole('button', { name: 'Save webhook' }).click();
    await editHook.getByRole('status').getByText('Saved.').waitFor();
    await expectAccessible(page, 'edit webhook');
    const edited = await apiCall(running.url, 'GET', `/admin/v1/webhooks/${hooks.body.items[0].id}`, { token: await consoleToken(page) });
    expect(edited.body).toMatchObject({ url: 'https://siem.hospital.test/caduceus/v2', eventTypes: ['user.locked', 'mfa.reset', 'audit.verified'], enabled: false });
    expect(edited.headers.get('etag')).toBe('"2"');
    await page.getByRole('button', { name: 'Remove the webhook to https://siem.hospital.test/caduceus/v2' }).click();
    await page.getByRole('status').getByText('Removed the webhook').waitFor();
    expect((await apiCall(running.url, 'GET', '/admin/v1/webhooks', { token: await consoleToken(page) })).body.items).toEqual([]);

    // The group, deleted: its member loses the roles it granted.
    await consoleScreen(page, running.url, `#/groups/${groupId}`);
    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
    expect((await apiCall(running.url, 'GET', `/admin/v1/groups/${groupId}`, { token: await consoleToken(page) })).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an auditor's console has no write controls, and the API refuses a write made with the auditor's token", async () => {
    const context = await browser.newContext();
    const { page, problems } = await signIn(context, 'auditor@hospital.test', auditorTotp);
    await page.getByRole('link', { name: 'admin@hospital.test' }).waitFor();
    expect(await page.getByRole('link', { name: 'Create or invite a user' }).count()).toBe(0);

    await page.getByRole('link', { name: 'admin@hospital.test' }).click();
    await page.getByRole('heading', { name: 'Second factors' }).waitFor();
    await page.locator('main[data-ready="users"]').waitFor();
    const buttons = await page.locator('main button').allTextContents();
    expect(buttons).toEqual([]);
    expect(await page.locator('main form').count()).toBe(0);

    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    await page.locator('main table').waitFor();
    expect(await page.getByRole('link', { name: 'Register an app' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Signing keys' }).click();
    await page.getByRole('heading', { name: 'Rotation schedule' }).waitFor();
    expect(await page.locator('main button').count()).toBe(0);
    await expectAccessible(page, 'auditor: signing keys');

    // The same token the console holds, used by hand: the API decides, not the page.
    const token = await consoleToken(page);
    const forged = await fetch(`${running.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'intruder@hospital.test', invite: true }),
    });
    expect(forged.status).toBe(403);
    expect(await running.app.get(IdentityService).findByEmail('intruder@hospital.test')).toBeNull();
    const read = await fetch(`${running.url}/admin/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);

    // At phone width the console still fits: nothing wider than the screen but scrollable tables.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('link', { name: 'auditor@hospital.test' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'auditor: users at phone width');

    // Signing out ends the provider session too: the token is gone and the console says so.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign out' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('caduceus.console.signed'))).toBeNull();
    expect((await fetch(`${running.url}/admin/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('/admin/docs works under the CSP: branded, no Explore bar, users and clients first, Authorize gets a client-credentials token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchPage(page);
    const response = await page.goto(`${running.url}/admin/docs`);
    expect(response!.headers()['content-security-policy']).toMatch(/style-src 'self'(;|$)/);
    await page.locator('.opblock-tag').first().waitFor();
    expect(await page.title()).toBe('Admin API reference · Caduceus');
    expect(await page.locator('.topbar').count()).toBe(0);
    const tags = await page.locator('.opblock-tag').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
    expect(tags.slice(0, 2)).toEqual(['users', 'clients']);
    await expectAccessible(page, '/admin/docs');

    await page.getByRole('button', { name: /Authorize/ }).first().click();
    const dialog = page.locator('.dialog-ux .auth-container').filter({ hasText: 'clientCredentials' });
    await dialog.getByLabel('client_id:').fill(BOOTSTRAP_ID);
    await dialog.getByLabel('client_secret:').fill(BOOTSTRAP_SECRET);
    await dialog.getByText('admin:super-admin', { exact: true }).click();
    const token = page.waitForResponse((r) => r.url() === `${running.url}/token`);
    await dialog.locator('button', { hasText: 'Authorize' }).click();
    expect((await token).status()).toBe(200);
    await dialog.locator('button', { hasText: 'Logout' }).waitFor();
    await expectAccessible(page, '/admin/docs Authorize dialog');
    await dialog.locator('button', { hasText: 'Close' }).click();

    // The token is one for the admin API: whoami answers with the bootstrap client.
    await page.locator('.opblock-tag[data-tag="admin"]').click();
    await page.locator('.opblock-summary-control', { hasText: '/admin/v1/whoami' }).click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    const call = page.waitForResponse((r) => r.url() === `${running.url}/admin/v1/whoami`);
    await page.getByRole('button', { name: 'Execute' }).click();
    const whoami = await call;
    expect(whoami.status()).toBe(200);
    expect(await whoami.json()).toMatchObject({ kind: 'client', clientId: BOOTSTRAP_ID, roles: ['super-admin'] });
    expect(problems).toEqual([]);
    await context.close();
  });
});
