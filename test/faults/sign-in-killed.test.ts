import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../src/clients/index.js';
import { IdentityService } from '../../src/identity/index.js';
import { MfaService } from '../../src/mfa/index.js';
import { bootstrapEnv, tokenRequest } from '../integration/audit/audit-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HttpBrowser } from '../support/http-browser.js';
import { startApp } from '../support/in-process-app.js';
import { freePort } from '../support/ports.js';
import { buildAuthorizationUrl } from '../support/relying-party.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { totpCode } from '../support/totp.js';
import { checkAfterFault } from './support/checks.js';
import { alive, bootstrap, LOAD_LIMITS } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const EMAIL = 'night.nurse@hospital.test';
const PASSWORD = 'a long and unusual passphrase 7';

const form = (html: string, action: RegExp) => {
  const found = action.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
  return found && csrf ? { action: found.replace(/&#61;/g, '=').replace(/&amp;/g, '&'), csrf } : undefined;
};

/**
 * Breaks: the only instance, with SIGKILL, twice in one person's sign-in: after the password was
 * accepted and before the second factor, then after the second factor and before consent; each
 * time started again on the same port, database and KEK, with client-credentials callers running
 * throughout.
 * Checks: the person's browser, reloading the page it was on, resumes at the step it had reached
 * (or, where that is impossible, is cleanly sent back to sign in again) and finishes; nothing is
 * half-written: no signed-in session before the second factor, no consent grant before Allow;
 * the finished sign-in's token is live; tokens, records and chain as after every fault.
 */
describe('SIGKILL in the middle of a sign-in', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let port: number;
  let service: ServiceProcess;
  let userId: string;
  let totpSecret: string;
  let config: oidc.Configuration;
  let client: { clientId: string; clientSecret: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
    env = { DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ISSUER: `http://localhost:${port}`, ...bootstrapEnv(), ...LOAD_LIMITS };
    // The person and the app, made with the product's own services before the service process starts.
    const seeding = await startApp(env);
    try {
      const user = await seeding.app.get(IdentityService).createUser({ email: EMAIL, password: PASSWORD });
      userId = user.id;
      const mfa = seeding.app.get(MfaService);
      const enrolment = await mfa.startTotpEnrolment(user.id, EMAIL);
      expect((await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);
      totpSecret = enrolment.secret;
      const created = await seeding.app.get(ClientsService).createClient({
        name: 'Ward board',
        type: 'confidential',
        mfaPolicy: 'required',
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code'],
      });
      client = { clientId: created.clientId, clientSecret: created.clientSecret! };
    } finally {
      await seeding.close();
    }
    service = await startService(env, port);
    config = await oidc.discovery(new URL(service.url), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  const signedInSessions = () =>
    db.query(`SELECT 1 FROM oidc_artifacts WHERE model = 'Session' AND payload->>'accountId' = $1 AND (expires_at IS NULL OR expires_at > now())`, [userId]);
  const grants = async () => [
    ...(await db.query(`SELECT 1 FROM consent_grants WHERE user_id = $1`, [userId])),
    ...(await db.query(`SELECT 1 FROM oidc_artifacts WHERE model = 'Grant' AND payload->>'accountId' = $1`, [userId])),
  ];

  async function crashAndRestart(): Promise<void> {
    await service.stop('SIGKILL');
    service = await startService(env, port);
  }

  it('resumes the sign-in at the step it reached after each crash, with nothing half-written', async () => {
    const traffic = startTraffic(8, () => tokenRequest(`http://localhost:${port}`, bootstrap));
    await traffic.moreSuccesses(50, 'traffic before the sign-in');

    const browser = new HttpBrowser(service.url);
    const request = await buildAuthorizationUrl(config, REDIRECT);
    const signInPage = await browser.follow(request.url);
    const posted = await browser.submitSignIn(await signInPage.res.text(), { email: EMAIL, password: PASSWORD });
    expect(posted.status).toBe(303);
    const mfaStep = await browser.follow(posted.headers.get('location')!);
    expect(await mfaStep.res.text()).toMatch(/\/mfa\/totp/);

    // Crash 1: the password was right, the second factor not given yet.
    await crashAndRestart();
    await traffic.moreSuccesses(50, 'traffic after the first restart');
    expect(await signedInSessions(), 'no signed-in session before the second factor').toEqual([]);
    let page = await browser.follow(mfaStep.url);
    let html = await page.res.text();
    if (!form(html, /action="(\/interaction\/[^"]+\/mfa\/totp)"/)) {
      // A clean restart is the other acceptable outcome: the sign-in page again, which then works.
      expect(html, `neither the MFA step again nor a clean restart:\n${html.slice(0, 600)}`).toContain('name="password"');
      const again = await browser.submitSignIn(html, { email: EMAIL, password: PASSWORD });
      page = await browser.follow(again.headers.get('location')!);
      html = await page.res.text();
    }
    const totp = form(html, /action="(\/interaction\/[^"]+\/mfa\/totp)"/);
    expect(totp, `the MFA step after the restart:\n${html.slice(0, 600)}`).toBeDefined();
    const verified = await browser.request(totp!.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: totp!.csrf, code: await totpCode(totpSecret, 0) }),
    });
    expect(verified.status, await verified.clone().text()).toBe(303);
    const consentStep = await browser.follow(verified.headers.get('location')!);
    expect(await consentStep.res.text()).toContain('name="decision" value="allow"');

    // Crash 2: signed in with both factors, the app not allowed yet.
    await crashAndRestart();
    await traffic.moreSuccesses(50, 'traffic after the second restart');
    expect(await grants(), 'no grant before the person allowed the app').toEqual([]);
    page = await browser.follow(consentStep.url);
    html = await page.res.text();
    const consent = form(html, /<form method="post" action="([^"]+\/consent)"/);
    expect(consent, `the consent step again after the restart:\n${html.slice(0, 600)}`).toBeDefined();
    const allowed = await browser.request(consent!.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: consent!.csrf, decision: 'allow' }),
    });
    expect(allowed.status).toBe(303);
    const back = await browser.follow(allowed.headers.get('location')!);
    expect(back.url.href.startsWith(REDIRECT), back.url.href).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, back.url, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.sub).toBe(userId);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    expect((await grants()).length).toBeGreaterThan(0);

    const outcomes = await traffic.stop();
    expect(alive(service), service.output().slice(-3000)).toBe(true);
    // Callers see refused connections while the process is down, and otherwise only 200 or 503.
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503 && o.status !== 0).map((o) => `${o.status} ${o.body}`), summary(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db, client: bootstrap, outcomes });
  });
});
