import { describe, expect, it } from 'vitest';
import { useApp } from '../../support/fixture.js';

/**
 * The gate of every account-console route: a live session of the person, made by signing in
 * to the account app. A caller without one (no cookie, or a forged one) is sent to sign in
 * (pages and forms: 303 to /authorize) or refused (the passkey script's JSON calls: 401), and
 * nothing is shown or changed. Signed-in callers meet the further gates (CSRF, step-up) in
 * account-console.test.ts.
 */
describe('the account console without a signed-in session', () => {
  const running = useApp();

  const PAGES = ['/account', '/account/password', '/account/security', '/account/verify', '/account/sessions', '/account/apps'];
  const FORMS = [
    '/account/password',
    '/account/security/totp',
    '/account/security/totp/confirm',
    '/account/security/factors/00000000-0000-4000-8000-000000000000/remove',
    '/account/security/recovery-codes',
    '/account/verify',
    '/account/sessions/sign-out-others',
    '/account/sign-out',
    '/account/apps/00000000-0000-4000-8000-000000000000/revoke',
  ];
  const SCRIPT_CALLS = ['/account/security/passkey/register-options', '/account/security/passkey/register', '/account/verify/passkey-options', '/account/verify/passkey'];

  const ask = (method: 'GET' | 'POST', path: string, cookie?: string, json = false) =>
    fetch(`${running.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        origin: running.url,
        ...(cookie ? { cookie } : {}),
        ...(method === 'POST' ? { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' } : {}),
      },
      body: method === 'POST' ? (json ? '{}' : 'csrf=x&password=x&newPassword=x&code=123456') : undefined,
    });

  for (const cookie of [undefined, 'caduceus_session=forged; caduceus_session.sig=forged']) {
    const who = cookie ? 'a forged session cookie' : 'no cookie';
    it(`sends pages and forms to sign in, with ${who}`, async () => {
      for (const [method, path] of [...PAGES.map((p) => ['GET', p] as const), ...FORMS.map((p) => ['POST', p] as const)]) {
        const res = await ask(method, path, cookie);
        const body = await res.text();
        expect(res.status, `${method} ${path}`).toBe(303);
        expect(new URL(res.headers.get('location')!, running.url).pathname, `${method} ${path}`).toBe('/authorize');
        expect(body, `${method} ${path} shows nothing`).not.toMatch(/recovery code|@|csrf/i);
      }
    });

    it(`refuses the passkey script's calls with 401, with ${who}`, async () => {
      for (const path of SCRIPT_CALLS) {
        const res = await ask('POST', path, cookie, true);
        expect(res.status, path).toBe(401);
        expect(await res.text(), path).not.toMatch(/challenge/i);
      }
    });
  }
});
