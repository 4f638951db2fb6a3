import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { alertText, authorize } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * MFA_ENROLMENT=invite-only: the password of a user without a second factor is not enough to
 * enrol one; an administrator's one-time enrolment code is (once), and every step is audited.
 */
describe('MFA_ENROLMENT=invite-only', () => {
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

  async function password(browser: HttpBrowser, email: string) {
    const started = await authorize(browser, config, REDIRECT);
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    expect(posted.status).toBe(303);
    return { started, next: await browser.follow(posted.headers.get('location')!) };
  }

  function postForm(browser: HttpBrowser, html: string, path: string, fields: Record<string, string>) {
    const action = new RegExp(`action="(/interaction/[^"]+/mfa/${path})"`).exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
    expect(action, `a ${path} form`).toBeTruthy();
    return browser.request(action!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrf!, ...fields }) });
  }

  it('ends the sign-in of a user without a factor and without a code: no enrolment page, access_denied', async () => {
    await api.running.app.get(IdentityService).createUser({ email: 'nocode@hospital.test', password: PASSWORD });
    const { next } = await password(new HttpBrowser(api.url), 'nocode@hospital.test');
    expect(next.url.href.startsWith(REDIRECT)).toBe(true);
    expect(next.url.searchParams.get('error')).toBe('access_denied');
    expect(next.url.searchParams.get('code')).toBeNull();
  });

  it('lets the user enrol with the code an administrator issued, once; a wrong code does not open enrolment', async () => {
    const user = await api.running.app.get(IdentityService).createUser({ email: 'invited@hospital.test', password: PASSWORD });
    const issued = await api.call('POST', `/admin/v1/users/${user.id}/mfa/enrolment-code`, { token: await api.token(['user-admin']) });
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    const stored = await api.db.query<{ code_hash: string }>('SELECT code_hash FROM mfa_enrolment_codes WHERE user_id = $1', [user.id]);
    expect(stored[0]!.code_hash).not.toContain(issued.body.code.replace(/-/g, ''));

    const browser = new HttpBrowser(api.url);
    const { next } = await password(browser, 'invited@hospital.test');
    const codePage = await next.res.text();
    expect(codePage).toContain('Enrolment code');
    expect(codePage).not.toContain('totp-secret');

    // A passkey registration before the code is refused (the enrol stage is not open).
    const uid = /\/interaction\/([^/]+)\/mfa/.exec(next.url.pathname)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(codePage)![1]!.replace(/&#61;/g, '=');
    const early = await browser.request(`/interaction/${uid}/mfa/webauthn/register-options`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' });
    expect(early.status).toBe(403);

    const wrong = await postForm(browser, codePage, 'enrolment-code', { code: 'aaaa-bbbb-cccc' });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(alertText(wrongHtml)).toBeTruthy();

    const right = await postForm(browser, wrongHtml, 'enrolment-code', { code: issued.body.code });
    expect(right.status).toBe(303);
    const enrolPage = await (await browser.follow(right.headers.get('location')!)).res.text();
    expect(enrolPage).toContain('Set up two-step verification');
    const secret = /<code id="totp-secret">([\s\S]*?)<\/code>/.exec(enrolPage)![1]!.replace(/<[^>]+>|\s/g, '');
    const enrolled = await postForm(browser, enrolPage, 'enrol', { code: await totpCode(secret, 0) });
    expect(enrolled.status).toBe(303);
    const codesHtml = await (await browser.follow(enrolled.headers.get('location')!)).res.text();
    expect(codesHtml).toContain('id="recovery-codes"');
    const done = await postForm(browser, codesHtml, 'done', {});
    const back = await browser.follow(done.headers.get('location')!);
    // Consent may follow; either way the sign-in went on past MFA with the enrolled factor.
    expect(back.url.searchParams.get('error')).toBeNull();

    // The code was single use.
    expect(await api.db.query('SELECT 1 FROM mfa_enrolment_codes WHERE user_id = $1', [user.id])).toHaveLength(0);
    const events = await api.db.query<{ event_type: string }>(
      `SELECT event_type FROM audit_events WHERE subject_id = $1 AND event_type LIKE 'mfa.enrolment_code.%' ORDER BY seq`,
      [user.id],
    );
    expect(events.map((e) => e.event_type)).toEqual(['mfa.enrolment_code.issued', 'mfa.enrolment_code.refused', 'mfa.enrolment_code.used']);
  });

  it('lets only a user-admin (or super-admin) issue an enrolment code', async () => {
    const user = await api.running.app.get(IdentityService).createUser({ email: 'other@hospital.test', password: PASSWORD });
    const res = await api.call('POST', `/admin/v1/users/${user.id}/mfa/enrolment-code`, { token: await api.token(['auditor']) });
    expect(res.status).toBe(403);
    const bad = await api.call('POST', '/admin/v1/users/not-a-uuid/mfa/enrolment-code', { token: await api.token(['user-admin']) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('id');
  });
});
