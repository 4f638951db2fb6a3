import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { useApp } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { alertText, allowIfAsked, authorize } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';
const MFA_ACR = 'urn:caduceus:acr:mfa';

/**
 * MFA rules seen from the browser, without one: replay, recovery codes, per-client and per-role
 * policy, step-up with acr_values, and the end of an attempt after too many wrong codes.
 * The deployment policy is `optional` here so per-client and per-role rules are visible.
 */
describe('MFA policy and second-factor rules', () => {
  const running = useApp({ env: { MFA_POLICY: 'optional', MFA_MAX_ATTEMPTS: '3' } });
  let identity: IdentityService;
  let mfa: MfaService;
  let relaxed: oidc.Configuration;
  let strict: oidc.Configuration;

  beforeAll(async () => {
    identity = running.app.get(IdentityService);
    mfa = running.app.get(MfaService);
    const clients = running.app.get(ClientsService);
    const discover = async (mfaPolicy: 'optional' | 'required', name: string) => {
      const c = await clients.createClient({ name, type: 'confidential', mfaPolicy, redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
      return oidc.discovery(new URL(running.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), {
        execute: [oidc.allowInsecureRequests],
      });
    };
    relaxed = await discover('optional', 'Patient portal');
    strict = await discover('required', 'ICU charting');
  });

  /** A user with a confirmed TOTP factor; its secret is returned so the test can compute codes. */
  async function userWithTotp(email: string, roles: string[] = []) {
    const user = await identity.createUser({ email, password: PASSWORD, roles });
    const enrolment = await mfa.startTotpEnrolment(user.id, email);
    const confirmed = await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1));
    expect(confirmed.ok).toBe(true);
    return { user, secret: enrolment.secret };
  }

  /** Password step; returns the page that follows (MFA page) or the callback. */
  async function password(browser: HttpBrowser, config: oidc.Configuration, email: string, extra: Record<string, string> = {}) {
    const started = await authorize(browser, config, REDIRECT, extra);
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    expect(posted.status).toBe(303);
    let next = await browser.follow(posted.headers.get('location')!);
    if (!next.url.href.startsWith(REDIRECT)) next = await allowIfAsked(browser, next.res, next.url);
    return { ...started, next, html: next.url.href.startsWith(REDIRECT) ? '' : await next.res.text() };
  }

  async function submit(browser: HttpBrowser, html: string, path: 'totp' | 'recovery' | 'enrol', code: string) {
    const action = new RegExp(`action="(/interaction/[^"]+/mfa/${path})"`).exec(html)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
    expect(action, `a ${path} form`).toBeTruthy();
    const res = await browser.request(action!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf!, code }),
    });
    if (res.status !== 303) return { res, html: await res.text(), callback: undefined };
    let done = await browser.follow(res.headers.get('location')!);
    if (!done.url.href.startsWith(REDIRECT)) done = await allowIfAsked(browser, done.res, done.url);
    return { res, html: '', callback: done.url.href.startsWith(REDIRECT) ? done.url : undefined };
  }

  async function idToken(config: oidc.Configuration, started: Awaited<ReturnType<typeof authorize>>, callback: URL) {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.request.verifier,
      expectedState: started.request.state,
      expectedNonce: started.request.nonce,
    });
    return tokens.claims()!;
  }

  it('refuses a TOTP code that was already accepted in its window', async () => {
    const { secret } = await userWithTotp('replay@hospital.test');
    const code = await totpCode(secret, 0);

    const browser = new HttpBrowser(running.url);
    const first = await password(browser, relaxed, 'replay@hospital.test');
    expect(first.html).toContain('Authentication code');
    const accepted = await submit(browser, first.html, 'totp', code);
    expect(accepted.callback).toBeDefined();

    const other = new HttpBrowser(running.url);
    const second = await password(other, relaxed, 'replay@hospital.test');
    const replayed = await submit(other, second.html, 'totp', code);
    expect(replayed.res.status).toBe(401);
    expect(alertText(replayed.html)).toMatch(/did not work/);
  });

  it('accepts a recovery code once and only once', async () => {
    const { user } = await userWithTotp('recovery@hospital.test');
    const [code] = await mfa.regenerateRecoveryCodes(user.id);

    const browser = new HttpBrowser(running.url);
    const first = await password(browser, relaxed, 'recovery@hospital.test');
    const used = await submit(browser, first.html, 'recovery', code!.toUpperCase());
    expect(used.callback).toBeDefined();
    expect((await idToken(relaxed, first, used.callback!)).amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));

    const again = new HttpBrowser(running.url);
    const second = await password(again, relaxed, 'recovery@hospital.test');
    const reused = await submit(again, second.html, 'recovery', code!);
    expect(reused.res.status).toBe(401);
  });

  it('lets the client policy decide for an ordinary user: optional app without, required app with a second factor', async () => {
    await identity.createUser({ email: 'patient@hospital.test', password: PASSWORD });
    const portal = await password(new HttpBrowser(running.url), relaxed, 'patient@hospital.test');
    expect(portal.next.url.href.startsWith(REDIRECT)).toBe(true);
    const claims = await idToken(relaxed, portal, portal.next.url);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe('urn:caduceus:acr:pwd');

    const icu = await password(new HttpBrowser(running.url), strict, 'patient@hospital.test');
    expect(icu.html).toContain('Set up two-step verification');
  });

  it('always requires MFA for a super-admin, even on an app whose policy is optional', async () => {
    await identity.createUser({ email: 'root@hospital.test', password: PASSWORD, roles: ['super-admin'] });
    const portal = await password(new HttpBrowser(running.url), relaxed, 'root@hospital.test');
    expect(portal.html).toContain('Set up two-step verification');
  });

  it('steps up inside an existing session when the app asks for the MFA level with acr_values', async () => {
    const user = await identity.createUser({ email: 'stepup@hospital.test', password: PASSWORD });
    const browser = new HttpBrowser(running.url);
    const first = await password(browser, relaxed, 'stepup@hospital.test');
    expect((await idToken(relaxed, first, first.next.url)).acr).toBe('urn:caduceus:acr:pwd');

    // The same browser session, now asking for MFA: no password, straight to the second factor.
    const stepUp = await authorize(browser, relaxed, REDIRECT, { acr_values: MFA_ACR });
    expect(stepUp.page).toContain('Set up two-step verification');
    expect(stepUp.page).not.toContain('name="password"');
    const secret = /<code id="totp-secret">([\s\S]*?)<\/code>/.exec(stepUp.page!)![1]!.replace(/<[^>]+>|\s/g, '');
    const enrolled = await submit(browser, stepUp.page!, 'enrol', await totpCode(secret, 0));
    expect(enrolled.res.status).toBe(303);
    const codesPage = await browser.follow(enrolled.res.headers.get('location')!);
    const codesHtml = await codesPage.res.text();
    expect(codesHtml).toContain('Recovery codes');
    const csrf = /name="csrf" value="([^"]+)"/.exec(codesHtml)![1]!.replace(/&#61;/g, '=');
    const action = /<form method="post" action="([^"]+)"/.exec(codesHtml)![1]!;
    const done = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    let back = await browser.follow(done.headers.get('location')!);
    if (!back.url.href.startsWith(REDIRECT)) back = await allowIfAsked(browser, back.res, back.url);
    expect(back.url.href.startsWith(REDIRECT)).toBe(true);
    const claims = await idToken(relaxed, stepUp, back.url);
    expect(claims.sub).toBe(user.id);
    expect(claims.acr).toBe(MFA_ACR);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    // The recovery codes page shows its codes once: reloading it shows none.
    const reload = await browser.request(codesPage.url);
    expect(reload.status).not.toBe(200);
  });

  it('ends the attempt after too many wrong codes and tells the app access_denied', async () => {
    await userWithTotp('fumble@hospital.test');
    const browser = new HttpBrowser(running.url);
    const started = await password(browser, relaxed, 'fumble@hospital.test');
    let html = started.html;
    let last;
    for (let i = 0; i < 3; i++) {
      last = await submit(browser, html, 'totp', '000000');
      html = last.html;
    }
    expect(last!.res.status).toBe(303);
    expect(last!.callback?.searchParams.get('error')).toBe('access_denied');
    expect(last!.callback?.searchParams.get('code')).toBeNull();
  });
});
