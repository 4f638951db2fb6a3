import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { useApp } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { allowIfAsked, authorize } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * Issue #16's walk, as an attacker who knows only the password of a user with TOTP, on an app
 * whose policy requires MFA: after the password, the recovery-codes page must neither show nor
 * replace the user's codes, and no route may finish the sign-in without the second factor.
 */
describe('a password holder cannot walk past MFA through the recovery-codes page', () => {
  const running = useApp();
  let identity: IdentityService;
  let mfa: MfaService;
  let strict: oidc.Configuration;

  beforeAll(async () => {
    identity = running.app.get(IdentityService);
    mfa = running.app.get(MfaService);
    const c = await running.app
      .get(ClientsService)
      .createClient({ name: 'ICU charting', type: 'confidential', mfaPolicy: 'required', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    strict = await oidc.discovery(new URL(running.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  it('password, then GET …/mfa/recovery-codes, then POST …/mfa/recovery: no new codes, no code for the app', async () => {
    const user = await identity.createUser({ email: 'nurse@hospital.test', password: PASSWORD });
    const enrolment = await mfa.startTotpEnrolment(user.id, user.email);
    expect((await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);
    const realCodes = await mfa.regenerateRecoveryCodes(user.id);

    // 1. The password: 303 to the TOTP challenge.
    const browser = new HttpBrowser(running.url);
    const started = await authorize(browser, strict, REDIRECT);
    const posted = await browser.submitSignIn(started.page!, { email: 'nurse@hospital.test', password: PASSWORD });
    expect(posted.status).toBe(303);
    const challengeUrl = new URL(posted.headers.get('location')!, running.url);
    expect(challengeUrl.pathname).toMatch(/^\/interaction\/[^/]+\/mfa$/);
    const challenge = await (await browser.request(challengeUrl)).text();
    expect(challenge).toContain('Authentication code');
    const csrf = /name="csrf" value="([^"]+)"/.exec(challenge)![1]!.replace(/&#61;/g, '=');

    // 2. The recovery-codes page with the same cookies: no codes shown.
    const codesRes = await browser.request(new URL(`${challengeUrl.pathname}/recovery-codes`, running.url));
    const codesHtml = codesRes.status === 200 ? await codesRes.text() : '';
    const shown = [...codesHtml.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);

    // 3. Whatever the page gave, a recovery code from it does not finish the sign-in.
    let appGotCode = false;
    for (const code of shown.slice(0, 1)) {
      const used = await browser.request(new URL(`${challengeUrl.pathname}/recovery`, running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, code }),
      });
      if (used.status === 303) {
        let done = await browser.follow(used.headers.get('location')!);
        if (!done.url.href.startsWith(REDIRECT)) done = await allowIfAsked(browser, done.res, done.url);
        appGotCode = done.url.href.startsWith(REDIRECT) && done.url.searchParams.has('code');
      }
    }
    expect(appGotCode, 'the app got a code without the second factor').toBe(false);
    expect(shown, 'recovery codes shown before any second factor').toEqual([]);

    // The user's real codes were not replaced: one still works.
    expect((await mfa.useRecoveryCode(user.id, realCodes[0]!)).ok).toBe(true);
  });
});
