import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { authorize } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * MFA_ENROLMENT=invite-only, the link path (#16 item 7): a person who set their password
 * through an invitation or reset link may enrol a first factor at their next sign-in without
 * a code, once and only while the allowance lasts; a password an administrator set directly
 * opens nothing.
 */
describe('MFA_ENROLMENT=invite-only: enrolment after a password-setup link', () => {
  let api: AdminApi;
  let config: oidc.Configuration;

  beforeAll(async () => {
    api = await startAdminApi({ MFA_ENROLMENT: 'invite-only' });
    const c = await api.running.app
      .get(ClientsService)
      .createClient({ name: 'ICU charting', type: 'confidential', mfaPolicy: 'required', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    config = await oidc.discovery(new URL(api.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), { execute: [oidc.allowInsecureRequests] });
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The admin invites; the person opens the link and chooses a password. */
  async function invitedAndSet(email: string): Promise<string> {
    const created = await api.call('POST', '/admin/v1/users', { token: await api.token(['user-admin']), body: { email, invite: true } });
    expect(created.status).toBe(201);
    await setViaLink(created.body.passwordSetupLink);
    return created.body.id as string;
  }

  async function setViaLink(link: string) {
    const url = new URL(link);
    const browser = new HttpBrowser(api.url);
    const form = await browser.request(`${url.pathname}${url.search}`);
    expect(form.status).toBe(200);
    const set = await browser.request(url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: url.searchParams.get('token')!, password: PASSWORD }),
    });
    expect(set.status).toBe(200);
    expect(await set.text()).toContain('Password set');
  }

  async function password(browser: HttpBrowser, email: string) {
    const started = await authorize(browser, config, REDIRECT);
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    expect(posted.status).toBe(303);
    return browser.follow(posted.headers.get('location')!);
  }

  function postForm(browser: HttpBrowser, html: string, path: string, fields: Record<string, string>) {
    const action = new RegExp(`action="(/interaction/[^"]+/mfa/${path})"`).exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
    expect(action, `a ${path} form`).toBeTruthy();
    return browser.request(action!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrf!, ...fields }) });
  }

  /** The key shown under the QR code (grouped in spans for reading), as the app would take it. */
  function totpSecret(html: string): string {
    const shown = /<code id="totp-secret">([\s\S]*?)<\/code>/.exec(html)?.[1];
    expect(shown, 'the TOTP key').toBeTruthy();
    return shown!.replace(/<[^>]+>/g, '').replace(/\s/g, '');
  }

  function expectDenied(url: URL) {
    expect(url.href.startsWith(REDIRECT)).toBe(true);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('code')).toBeNull();
  }

  async function events(userId: string) {
    const rows = await api.db.query<{ event_type: string }>(
      `SELECT event_type FROM audit_events WHERE subject_id = $1 AND event_type LIKE 'mfa.enrolment_allowance.%' ORDER BY seq`,
      [userId],
    );
    return rows.map((r) => r.event_type);
  }

  it('lets the invited person enrol TOTP at the next sign-in without a code, then asks for the factor', async () => {
    const userId = await invitedAndSet('linked@hospital.test');
    expect(await events(userId)).toEqual(['mfa.enrolment_allowance.granted']);

    const browser = new HttpBrowser(api.url);
    const next = await password(browser, 'linked@hospital.test');
    expect(next.url.searchParams.get('error')).toBeNull();
    const enrolPage = await next.res.text();
    expect(enrolPage).not.toContain('Enrolment code');
    expect(enrolPage).toContain('Set up two-step verification');
    const secret = totpSecret(enrolPage);
    const enrolled = await postForm(browser, enrolPage, 'enrol', { code: await totpCode(secret, 0) });
    expect(enrolled.status).toBe(303);
    const codesHtml = await (await browser.follow(enrolled.headers.get('location')!)).res.text();
    expect(codesHtml).toContain('id="recovery-codes"');
    const done = await postForm(browser, codesHtml, 'done', {});
    const back = await browser.follow(done.headers.get('location')!);
    expect(back.url.searchParams.get('error')).toBeNull();

    // Spent: gone from the table and audited.
    expect(await api.db.query('SELECT 1 FROM mfa_enrolment_allowances WHERE user_id = $1', [userId])).toHaveLength(0);
    expect(await events(userId)).toEqual(['mfa.enrolment_allowance.granted', 'mfa.enrolment_allowance.used']);

    // A second sign-in (a fresh browser) is asked for the factor, not offered enrolment.
    const again = await password(new HttpBrowser(api.url), 'linked@hospital.test');
    const challenge = await again.res.text();
    expect(challenge).not.toContain('totp-secret');
    expect(challenge).toMatch(/action="\/interaction\/[^"]+\/mfa\/totp"/);
  });

  it('cannot be used twice: after an MFA reset the same person needs an enrolment code', async () => {
    const userId = await invitedAndSet('twice@hospital.test');
    const browser = new HttpBrowser(api.url);
    const enrolPage = await (await password(browser, 'twice@hospital.test')).res.text();
    const secret = totpSecret(enrolPage);
    expect((await postForm(browser, enrolPage, 'enrol', { code: await totpCode(secret, 0) })).status).toBe(303);

    const reset = await api.call('DELETE', `/admin/v1/users/${userId}/mfa`, { token: await api.token(['user-admin']) });
    expect(reset.status).toBe(204);
    expectDenied((await password(new HttpBrowser(api.url), 'twice@hospital.test')).url);
  });

  it('opens nothing for a password an administrator set directly', async () => {
    const created = await api.call('POST', '/admin/v1/users', { token: await api.token(['user-admin']), body: { email: 'adminset@hospital.test', invite: true } });
    const userId = created.body.id as string;
    const set = await api.call('POST', `/admin/v1/users/${userId}/password`, { token: await api.token(['user-admin']), body: { password: PASSWORD } });
    expect(set.status).toBe(200);
    expectDenied((await password(new HttpBrowser(api.url), 'adminset@hospital.test')).url);
    expect(await events(userId)).toEqual([]);
  });

  it('refuses an expired allowance (and audits the refusal)', async () => {
    const userId = await invitedAndSet('late@hospital.test');
    await api.db.query(`UPDATE mfa_enrolment_allowances SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [userId]);
    expectDenied((await password(new HttpBrowser(api.url), 'late@hospital.test')).url);
    expect(await events(userId)).toEqual(['mfa.enrolment_allowance.granted', 'mfa.enrolment_allowance.refused']);
  });
});

describe('MFA_ENROLMENT=at-sign-in: a setup link records no allowance', () => {
  let api: AdminApi;

  beforeAll(async () => {
    api = await startAdminApi();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('sets the password through the link and stores or audits nothing about enrolment', async () => {
    const created = await api.call('POST', '/admin/v1/users', { token: await api.token(['user-admin']), body: { email: 'plain@hospital.test', invite: true } });
    expect(created.status).toBe(201);
    const url = new URL(created.body.passwordSetupLink);
    const set = await new HttpBrowser(api.url).request(url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: url.searchParams.get('token')!, password: PASSWORD }),
    });
    expect(set.status).toBe(200);
    expect(await api.db.query('SELECT 1 FROM mfa_enrolment_allowances')).toHaveLength(0);
    expect(await api.db.query(`SELECT 1 FROM audit_events WHERE event_type LIKE 'mfa.enrolment_allowance.%'`)).toHaveLength(0);
  });
});
