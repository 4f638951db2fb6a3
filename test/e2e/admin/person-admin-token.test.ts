import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE, roleScope } from '../../../src/admin/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { useApp } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { allowIfAsked, authorize } from '../../support/sign-in-flow.js';
import { createUserWithTotp, totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/console/callback';
const PASSWORD = 'a long and unusual passphrase 7';

/**
 * A person's admin token: an administrator signs in to an app (a console) with password and a
 * second factor, and the access token for the admin API carries how they signed in (`amr`, RFC
 * 9068 §2.2.1), so the API lets them in with the roles they hold. Signed in with the password
 * alone, the same person is refused (MFA is required of every administrator).
 */
describe('an administrator signed in as a person', () => {
  const running = useApp({ env: { MFA_POLICY: 'optional' } });
  let identity: IdentityService;
  let strict: oidc.Configuration;
  let lax: oidc.Configuration;

  const register = async (mfaPolicy: 'required' | 'optional') =>
    (
      await running.registerClient({
        name: `console ${mfaPolicy}`,
        mfaPolicy,
        redirectUris: [REDIRECT],
        grantTypes: ['authorization_code'],
        resourceScopes: [roleScope('super-admin'), roleScope('auditor')],
      })
    ).config;

  beforeAll(async () => {
    identity = running.app.get(IdentityService);
    strict = await register('required');
    lax = await register('optional');
  });

  /** The whole browser flow for the admin resource; the TOTP secret answers the challenge when one is asked. */
  const adminToken = async (config: oidc.Configuration, email: string, secret?: string) => {
    const browser = new HttpBrowser(running.url);
    const scope = `openid ${roleScope('super-admin')} ${roleScope('auditor')}`;
    const started = await authorize(browser, config, REDIRECT, { scope, resource: ADMIN_RESOURCE });
    const posted = await browser.submitSignIn(started.page!, { email, password: PASSWORD });
    expect(posted.status).toBe(303);
    let { res, url } = await browser.follow(posted.headers.get('location')!);
    if (/\/mfa$/.test(url.pathname)) {
      expect(secret, 'a TOTP challenge for a user with TOTP').toBeDefined();
      const page = await res.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!.replace(/&#61;/g, '=');
      const answered = await browser.request(new URL(`${url.pathname}/totp`, running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, code: await totpCode(secret!) }),
      });
      expect(answered.status).toBe(303);
      ({ res, url } = await browser.follow(answered.headers.get('location')!));
    }
    if (!url.href.startsWith(REDIRECT)) ({ res, url } = await allowIfAsked(browser, res, url));
    expect(url.href.startsWith(REDIRECT), `back at the console, not at ${url.href}`).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: started.request.verifier,
      expectedState: started.request.state,
      expectedNonce: started.request.nonce,
    }, { resource: ADMIN_RESOURCE });
    return tokens.access_token;
  };

  const whoami = async (token: string) => {
    const res = await fetch(`${running.url}/admin/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('password and TOTP: the API knows the person and the roles they hold', async () => {
    const { user, secret } = await createUserWithTotp(running, { email: 'admin@hospital.test', password: PASSWORD, roles: ['auditor'] });

    const token = await adminToken(strict, 'admin@hospital.test', secret);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'mfa']));
    const me = await whoami(token);
    expect(me.status).toBe(200);
    // Asked for super-admin and auditor, holds only auditor: only auditor counts.
    expect(me.body).toMatchObject({ kind: 'user', id: user.id, roles: ['auditor'] });
    // An auditor reads the audit trail and cannot write.
    expect((await fetch(`${running.url}/admin/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const write = await fetch(`${running.url}/admin/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@hospital.test' }),
    });
    expect(write.status).toBe(403);
  });

  it('password alone: the admin API refuses the token as lacking MFA', async () => {
    // No admin role (a role holder is made to enrol a factor first): the token asks for admin scopes anyway.
    await identity.createUser({ email: 'pwd-only@hospital.test', password: PASSWORD });
    const token = await adminToken(lax, 'pwd-only@hospital.test');
    const me = await whoami(token);
    expect(me.status).toBe(403);
    expect(JSON.stringify(me.body)).toMatch(/multi-factor/i);
  });

  it('password alone: the refusal is in the audit trail with who was refused', async () => {
    const user = await identity.createUser({ email: 'pwd-only-audited@hospital.test', password: PASSWORD });
    const token = await adminToken(lax, 'pwd-only-audited@hospital.test');
    expect((await whoami(token)).status).toBe(403);
    const [record] = await running.db.query<{ actor_type: string; actor_id: string; details: { path: string; reason: string } }>(
      `SELECT actor_type, actor_id, details FROM audit_events WHERE event_type = 'admin.forbidden' AND actor_id = $1`,
      [user.id],
    );
    expect(record).toMatchObject({ actor_type: 'admin', actor_id: user.id, details: { path: '/admin/v1/whoami' } });
    expect(record!.details.reason).toMatch(/multi-factor/);
  });
});
