import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { authorize } from '../../support/sign-in-flow.js';
import { TotpDevice } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * Enrolling a first factor at sign-in is all or nothing (outside attack on #23: a SIGKILL during
 * the enrol POST left a confirmed factor with no `mfa.enrolled` record, and a sign-in that
 * resumed at the challenge, so the person never got recovery codes). Here the process "dies"
 * at the last write of the enrolment: PostgreSQL refuses the sign-in row's update (a trigger,
 * the test's own, on the real database), and nothing of the enrolment may stay behind.
 */
describe('first-factor enrolment at sign-in when its last write fails', () => {
  let api: AdminApi;
  let config: oidc.Configuration;

  beforeAll(async () => {
    api = await startAdminApi({});
    const c = await api.running.app
      .get(ClientsService)
      .createClient({ name: 'ICU charting', type: 'confidential', mfaPolicy: 'required', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    config = await oidc.discovery(new URL(api.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), { execute: [oidc.allowInsecureRequests] });
  });

  afterAll(async () => {
    await api?.db.query(`DROP TRIGGER IF EXISTS enrolment_dies ON sign_in_progress`, []).catch(() => undefined);
    await api?.close();
  });

  const form = (html: string, path: string) => ({
    action: new RegExp(`action="(/interaction/[^"]+/mfa/${path})"`).exec(html)?.[1],
    csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '='),
  });
  const post = (browser: HttpBrowser, html: string, path: string, fields: Record<string, string>) => {
    const { action, csrf } = form(html, path);
    expect(action, `a ${path} form`).toBeTruthy();
    return browser.request(action!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrf!, ...fields }) });
  };
  const secretOf = (html: string) => /<code id="totp-secret">([\s\S]*?)<\/code>/.exec(html)![1]!.replace(/<[^>]+>/g, '').replace(/\s/g, '');

  it('leaves the enrolment pending, unaudited and resumable: the next try enrols and shows recovery codes', async () => {
    const user = await api.running.app.get(IdentityService).createUser({ email: 'new.starter@hospital.test', password: PASSWORD });
    const browser = new HttpBrowser(api.url);
    const started = await authorize(browser, config, REDIRECT);
    const posted = await browser.submitSignIn(started.page!, { email: 'new.starter@hospital.test', password: PASSWORD });
    const { res, url } = await browser.follow(posted.headers.get('location')!);
    const enrolPage = await res.text();
    const device = new TotpDevice(secretOf(enrolPage));

    await api.db.query(
      `CREATE OR REPLACE FUNCTION enrolment_dies() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.factor_enrolled AND NOT OLD.factor_enrolled THEN RAISE EXCEPTION 'the process died here'; END IF; RETURN NEW; END $$`,
      [],
    );
    await api.db.query(`CREATE TRIGGER enrolment_dies BEFORE UPDATE ON sign_in_progress FOR EACH ROW EXECUTE FUNCTION enrolment_dies()`, []);
    const code = await device.next();
    const failed = await post(browser, enrolPage, 'enrol', { code });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    await api.db.query(`DROP TRIGGER enrolment_dies ON sign_in_progress`, []);

    expect(await api.db.query(`SELECT 1 FROM mfa_factors WHERE user_id = $1 AND confirmed`, [user.id]), 'no confirmed factor').toEqual([]);
    expect(await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'mfa.enrolled' AND (subject_id = $1 OR actor_id = $1)`, [user.id]), 'no enrolment record').toEqual([]);

    // The person reloads the step they were on: still enrolment (not a challenge), and it finishes
    // with the same code (its use was not committed either: the retry is not "wrong").
    const again = await (await browser.follow(url)).res.text();
    expect(again).toContain('totp-secret');
    expect(again).not.toMatch(/action="\/interaction\/[^"]+\/mfa\/totp"/);
    const enrolled = await post(browser, again, 'enrol', { code });
    expect(enrolled.status).toBe(303);
    const codes = await (await browser.follow(enrolled.headers.get('location')!)).res.text();
    expect(codes).toContain('id="recovery-codes"');
    expect(await api.db.query(`SELECT 1 FROM mfa_factors WHERE user_id = $1 AND confirmed`, [user.id])).toHaveLength(1);
    expect(await api.db.query(`SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1`, [user.id])).toHaveLength(10);
    expect(await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'mfa.enrolled' AND (subject_id = $1 OR actor_id = $1)`, [user.id])).toHaveLength(1);
  });
});
