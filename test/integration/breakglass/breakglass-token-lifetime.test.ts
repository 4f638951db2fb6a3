import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BreakGlassService } from '../../../src/breakglass/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { allowIfAsked } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';
import { useAdminApi } from '../admin/admin-api.js';
import { createApp, submitForm } from '../consent/consent-harness.js';

const PASSWORD = 'a long and unusual passphrase 7';
const REDIRECT = 'http://127.0.0.1:9/callback';
const REASON = 'Upstream IdP outage during a trauma call in resus.';
const SESSION_MINUTES = 60;

/**
 * Nothing issued in an emergency session outlives it: every token's lifetime is capped at what
 * the session has left, and the end of the session (on time, or by a super-admin) revokes what
 * it issued, so a resource server's introspection says inactive from that moment.
 */
describe('break-glass: tokens never outlive the emergency session', () => {
  const api = useAdminApi({ BREAKGLASS_SESSION_MINUTES: String(SESSION_MINUTES) });
  let app: Awaited<ReturnType<typeof createApp>>;
  let totpSecret: string;
  let userId: string;

  beforeAll(async () => {
    app = await createApp(api.running, { name: 'ED whiteboard', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    const user = await api.running.app.get(IdentityService).createUser({ email: 'ed@hospital.test', password: PASSWORD, roles: ['breakglass'] });
    userId = user.id;
    const mfa = api.running.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(user.id, 'ed@hospital.test');
    await mfa.confirmTotpEnrolment(user.id, enrolment.factorId, await totpCode(enrolment.secret, -1));
    totpSecret = enrolment.secret;
  });

  /** The emergency sign-in over HTTP, up to the app's callback (the code not yet exchanged). */
  async function emergencySignIn(step: number) {
    const browser = new HttpBrowser(api.url);
    const request = await buildAuthorizationUrl(app.config, REDIRECT, { scope: 'openid' });
    const { url } = await browser.follow(request.url);
    const start = await browser.request(`${url.pathname}/emergency`);
    expect(start.status).toBe(200);
    const factor = await submitForm(browser, await start.text(), { email: 'ed@hospital.test', password: PASSWORD, justification: REASON });
    expect(factor.status).toBe(200);
    const verified = await submitForm(browser, await factor.text(), { code: await totpCode(totpSecret, step) });
    expect(verified.status).toBe(303);
    let next = await browser.follow(verified.headers.get('location')!);
    if (!next.url.href.startsWith(REDIRECT)) next = await allowIfAsked(browser, next.res, next.url);
    expect(next.url.href.startsWith(REDIRECT), `back at the app, not at ${next.url.href}`).toBe(true);
    return { request, callback: next.url };
  }

  const exchange = (s: Awaited<ReturnType<typeof emergencySignIn>>) =>
    oidc.authorizationCodeGrant(app.config, s.callback, {
      pkceCodeVerifier: s.request.verifier,
      expectedState: s.request.state,
      expectedNonce: s.request.nonce,
    });

  const sessionOf = async (idToken: string) => {
    const id = decodeJwt(idToken).breakglass_session as string;
    const [row] = await api.db.query<{ expires: number }>(`SELECT extract(epoch FROM expires_at)::int AS expires FROM breakglass_sessions WHERE id = $1`, [id]);
    return { id, expires: row!.expires };
  };

  it('a token issued one minute before the end expires at the end, and is revoked when the session ends', async () => {
    const signIn = await emergencySignIn(0);
    // The session began 59 minutes ago: move the session, the provider's sign-in and the code back.
    const shift = (SESSION_MINUTES - 1) * 60;
    await api.db.query(
      `UPDATE breakglass_sessions SET login_ts = login_ts - $1, started_at = started_at - make_interval(secs => $1), expires_at = expires_at - make_interval(secs => $1) WHERE user_id = $2`,
      [shift, userId],
    );
    await api.db.query(
      `UPDATE oidc_artifacts SET payload = jsonb_set(payload, '{loginTs}', to_jsonb((payload->>'loginTs')::bigint - $1)) WHERE model = 'Session' AND payload->>'accountId' = $2`,
      [shift, userId],
    );
    await api.db.query(
      `UPDATE oidc_artifacts SET payload = jsonb_set(payload, '{authTime}', to_jsonb((payload->>'authTime')::bigint - $1)) WHERE model = 'AuthorizationCode' AND payload->>'accountId' = $2`,
      [shift, userId],
    );

    const tokens = await exchange(signIn);
    const session = await sessionOf(tokens.id_token!);
    const introspected = await oidc.tokenIntrospection(app.config, tokens.access_token);
    expect(introspected.active).toBe(true);
    // Without the cap these would be the normal 10 minutes, nine past the end of the session.
    expect(introspected.exp).toBeLessThanOrEqual(session.expires);
    expect(decodeJwt(tokens.id_token!).exp).toBeLessThanOrEqual(session.expires);
    expect(tokens.expires_in).toBeLessThanOrEqual(60);

    // The end job at the session's end: what the session issued stops working then.
    expect(await api.running.app.get(BreakGlassService).endExpired(new Date(session.expires * 1000))).toBe(1);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
  });

  it('a super-admin ends a session early: its tokens are inactive at once; an auditor may not end one', async () => {
    const tokens = await exchange(await emergencySignIn(1));
    const session = await sessionOf(tokens.id_token!);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true);

    const auditor = await api.token(['auditor']);
    expect((await api.call('POST', `/admin/v1/break-glass/${session.id}/end`, { token: auditor })).status).toBe(403);
    expect((await api.call('POST', `/admin/v1/break-glass/${session.id}/end`)).status).toBe(401);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true);

    const superAdmin = await api.token(['super-admin']);
    const ended = await api.call('POST', `/admin/v1/break-glass/${session.id}/end`, { token: superAdmin });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: session.id, active: false });
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);

    const again = await api.call('POST', `/admin/v1/break-glass/${session.id}/end`, { token: superAdmin });
    expect(again.status).toBe(409);
    const trail = await api.db.query<{ details: Record<string, unknown>; actor_type: string }>(
      `SELECT details, actor_type FROM audit_events WHERE event_type = 'breakglass.ended' AND details->>'sessionId' = $1`,
      [session.id],
    );
    expect(trail).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'ended', justification: REASON }) })]);
  });
});
