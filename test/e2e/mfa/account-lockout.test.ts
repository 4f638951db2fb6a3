import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp, useEvents } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { allowIfAsked, authorize } from '../../support/sign-in-flow.js';
import { createUserWithTotp, totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PASSWORD = 'a long and unusual passphrase 7';
const SUPPORT = 'the IT service desk on extension 4455';

/**
 * NIST SP 800-63B §5.2.2: wrong second-factor answers are limited per account, not only per
 * sign-in. A sign-in ends after MFA_MAX_ATTEMPTS wrong codes, but whoever holds the password can
 * start the next one at once; across sign-ins the account's second factor locks after 10 wrong
 * answers, and then even the right code is refused (no code for the app) until the lock ends.
 * Another account is not affected.
 */
describe('second-factor guesses are capped per account across sign-ins', () => {
  const running = useApp({ env: { SUPPORT_CONTACT: SUPPORT } });
  const events = useEvents(running, (e) => e.name === 'mfa.locked');
  let app: oidc.Configuration;

  beforeAll(async () => {
    app = (await running.registerClient({ name: 'Ward rota', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] })).config;
  });

  /** A fresh sign-in with the password, up to the second-factor challenge. */
  const challenge = async (email: string) => {
    const browser = new HttpBrowser(running.url);
    const started = await authorize(browser, app, REDIRECT);
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    expect(posted.status).toBe(303);
    const { res, url } = await browser.follow(posted.headers.get('location')!);
    expect(url.pathname).toMatch(/\/mfa$/);
    const html = await res.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!.replace(/&#61;/g, '=');
    /** Answers the TOTP challenge; returns where that ends (following redirects) and the page's text. */
    const answer = async (code: string) => {
      const res = await browser.request(new URL(`${url.pathname}/totp`, running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, code }),
      });
      if (res.status !== 303) return { status: res.status, url: undefined, text: await res.text() };
      let ended = await browser.follow(res.headers.get('location')!);
      if (!ended.url.href.startsWith(REDIRECT)) ended = await allowIfAsked(browser, ended.res, ended.url);
      return { status: ended.res.status, url: ended.url, text: await ended.res.text() };
    };
    return { answer };
  };

  const wrongCodeFor = async (secret: string) => {
    const right = new Set([await totpCode(secret, -1), await totpCode(secret, 0), await totpCode(secret, 1)]);
    for (let n = 0; ; n++) {
      const code = String(123456 + n * 7919).padStart(6, '0').slice(-6);
      if (!right.has(code)) return code;
    }
  };

  it('locks the account after 10 wrong answers over several sign-ins, refuses the right code, and leaves another account alone', async () => {
    const victim = await createUserWithTotp(running, { email: 'nurse@hospital.test', password: PASSWORD });
    const other = await createUserWithTotp(running, { email: 'porter@hospital.test', password: PASSWORD });

    // Wrong codes over fresh sign-ins, each ended by the per-sign-in cap, until the account cap locks it.
    let wrong = 0;
    let locked = false;
    for (let signIn = 0; signIn < 4 && !locked; signIn++) {
      const { answer } = await challenge('nurse@hospital.test');
      for (;;) {
        const res = await answer(await wrongCodeFor(victim.secret));
        wrong++;
        if (res.status === 401) continue; // the challenge again: this sign-in still has attempts
        if (/locked/i.test(res.text)) locked = true;
        else expect(res.url?.searchParams.get('error'), 'the per-sign-in cap ends the sign-in').toBe('access_denied');
        break;
      }
    }
    expect(locked, 'the account second factor locked').toBe(true);
    expect(wrong).toBe(10);
    expect(events.map((e) => (e.payload as { userId: string }).userId)).toEqual([victim.user.id]);

    // A new sign-in with the RIGHT code: refused with the locked message, the help desk named, no code for the app.
    const fresh = await challenge('nurse@hospital.test');
    const refused = await fresh.answer(await totpCode(victim.secret));
    expect(refused.url?.searchParams.has('code') ?? false, 'no authorization code while locked').toBe(false);
    expect(refused.text).toMatch(/locked/i);
    expect(refused.text).toContain(SUPPORT);

    // Another account signs in with its code as usual.
    const unaffected = await (await challenge('porter@hospital.test')).answer(await totpCode(other.secret));
    expect(unaffected.url?.href.startsWith(REDIRECT) && unaffected.url.searchParams.has('code'), 'the other account gets its code').toBe(true);
  });
});
