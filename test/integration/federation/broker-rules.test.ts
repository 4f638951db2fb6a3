import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdentityProvidersService } from '../../../src/federation/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { useApp, useStarted } from '../../support/fixture.js';
import { freePort } from '../../support/ports.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { totpCode } from '../../support/totp.js';
import { CrossSiteAgent, startScriptedUpstream } from './federation-support.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const MFA_ACR = 'urn:caduceus:acr:mfa';

/**
 * The broker's rules, driven through the real pages and a scripted upstream IdP: JIT
 * provisioning without duplicates, no linking by an unverified email, the email-domain rule,
 * local MFA after an upstream sign-in that did not satisfy it, refusal of tampered upstream ID
 * tokens, and a readable page when the upstream is down.
 */
describe('federated sign-in rules', () => {
  const upstream = useStarted('the scripted upstream IdP', startScriptedUpstream, (idp) => idp.close());
  const running = useApp({ env: { MFA_POLICY: 'optional', OUTBOUND_ALLOW_LOOPBACK: 'true' } });
  let relaxed: oidc.Configuration;
  let strict: oidc.Configuration;

  beforeAll(async () => {
    const idps = running.app.get(IdentityProvidersService);
    const common = {
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      clientSecret: upstream.clientSecret,
      scopes: ['openid', 'email', 'profile'],
      allowedDomains: ['hospital.test'],
      roleMapping: { 'icu-nurses': ['nurse'], 'registrars': ['clinician', 'prescriber'] },
      allowLinking: true,
    };
    await idps.create({ ...common, id: 'st-example', displayName: 'St. Example Directory', trustUpstreamMfa: false });
    await idps.create({ ...common, id: 'trusted', displayName: 'Trusted Directory', allowedDomains: [], trustUpstreamMfa: true });
    await idps.create({
      ...common,
      id: 'offline',
      displayName: 'Offline Directory',
      allowedDomains: [],
      issuer: `http://127.0.0.1:${await freePort()}`,
    });
    const discover = async (mfaPolicy: 'optional' | 'required', name: string) =>
      (await running.registerClient({ name, mfaPolicy, redirectUris: [REDIRECT], grantTypes: ['authorization_code'] })).config;
    relaxed = await discover('optional', 'Ward rota');
    strict = await discover('required', 'ICU charting');
  });

  /** From the app through the sign-in page's "Sign in with …" button to wherever the flow stops. */
  async function viaUpstream(config: oidc.Configuration, idpId: string, agent = new CrossSiteAgent()) {
    const request = await buildAuthorizationUrl(config, REDIRECT, { scope: 'openid email profile roles' });
    const signIn = await agent.follow(request.url, REDIRECT);
    const html = await signIn.res.text();
    expect(html).toContain(`/federation/${idpId}"`);
    const done = await settle(agent, await agent.submit(html, running.url, new RegExp(`/federation/${idpId}$`), {}, REDIRECT));
    if (done.url.href.startsWith(REDIRECT)) {
      const tokens = await oidc.authorizationCodeGrant(config, done.url, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
      });
      return { tokens, claims: tokens.claims()!, page: undefined, status: 302, agent, request };
    }
    return { tokens: undefined, claims: undefined, page: done.html, status: done.res.status, agent, request, url: done.url };
  }

  /** Allows the consent page when the app is new to the user (consent is not what is under test). */
  async function settle(agent: CrossSiteAgent, step: { res: Response; url: URL }) {
    let current = step;
    for (let i = 0; i < 3 && !current.url.href.startsWith(REDIRECT); i++) {
      const html = await current.res.text();
      if (!/\/consent">/.test(html)) return { ...current, html };
      current = await agent.submit(html, running.url, /\/consent$/, { decision: 'allow' }, REDIRECT);
    }
    return { ...current, html: '' };
  }

  const usersWithEmail = async (email: string) => (await running.db.query<{ id: string }>(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email])).map((r) => r.id);
  const links = async (subject: string) => running.db.query<{ idp_id: string; user_id: string }>(`SELECT idp_id, user_id FROM federated_identities WHERE subject = $1`, [subject]);
  const audited = async (type: string) => running.db.query<{ details: Record<string, unknown>; outcome: string }>(`SELECT details, outcome FROM audit_events WHERE event_type = $1 ORDER BY seq`, [type]);

  it('provisions a user on the first upstream sign-in, with mapped claims and roles, and reuses it on the second', async () => {
    upstream.account = {
      sub: 'dir-4711',
      email: 'nurse.joy@hospital.test',
      email_verified: true,
      given_name: 'Joy',
      family_name: 'Okafor',
      groups: ['icu-nurses', 'cafeteria'],
      amr: ['pwd'],
    };
    const first = await viaUpstream(relaxed, 'st-example');
    expect(first.page, 'back at the app').toBeUndefined();
    const [userId] = await usersWithEmail('nurse.joy@hospital.test');
    expect(first.claims!.sub).toBe(userId);
    expect(first.claims!.sub).not.toBe('dir-4711');
    expect(first.claims!.amr).toEqual(['fed']);
    const info = await oidc.fetchUserInfo(relaxed, first.tokens!.access_token, userId!);
    expect(info).toMatchObject({ email: 'nurse.joy@hospital.test', email_verified: true, given_name: 'Joy', family_name: 'Okafor', roles: ['nurse'] });

    const second = await viaUpstream(relaxed, 'st-example');
    expect(second.claims!.sub).toBe(userId);
    expect(await usersWithEmail('nurse.joy@hospital.test')).toHaveLength(1);
    expect(await links('dir-4711')).toEqual([{ idp_id: 'st-example', user_id: userId }]);
    expect((await audited('federation.user.provisioned')).map((r) => r.details.userId)).toEqual([userId]);
    expect((await audited('federation.login.succeeded')).length).toBeGreaterThanOrEqual(2);
  });

  it('sends an organisation email straight to its IdP (home-realm discovery), and keeps other emails on the password form', async () => {
    upstream.account = { sub: 'dir-4711', email: 'nurse.joy@hospital.test', email_verified: true };
    const agent = new CrossSiteAgent();
    const request = await buildAuthorizationUrl(relaxed, REDIRECT);
    const html = await (await agent.follow(request.url, REDIRECT)).res.text();
    expect(html).toContain('Organisation account');
    const unknown = await agent.submit(html, running.url, /\/federation$/, { email: 'someone@gmail.test' }, REDIRECT);
    expect(unknown.res.status).toBe(200);
    const again = await unknown.res.text();
    expect(again).toContain('No organisation sign-in is set up for that email address');
    expect(again).toContain('name="password"');

    const done = await settle(agent, await agent.submit(again, running.url, /\/federation$/, { email: 'Nurse.Joy@hospital.test' }, REDIRECT));
    expect(upstream.lastAuthorization?.get('login_hint')).toBe('Nurse.Joy@hospital.test');
    expect(upstream.lastAuthorization?.get('code_challenge_method')).toBe('S256');
    expect(upstream.lastAuthorization?.get('nonce')).toBeTruthy();
    expect(done.url.href.startsWith(REDIRECT), 'back at the app').toBe(true);
  });

  it('never links to an existing account by an unverified upstream email, and links a verified one', async () => {
    const local = await running.app.get(IdentityService).createUser({ email: 'dr.house@hospital.test', password: 'a long and unusual passphrase 7', roles: ['clinician'] });
    upstream.account = { sub: 'dir-house', email: 'Dr.House@hospital.test', email_verified: false, amr: ['pwd'] };
    const refused = await viaUpstream(relaxed, 'st-example');
    expect(refused.status).toBe(403);
    expect(refused.page).toContain('This account cannot sign in here');
    expect(refused.page).not.toMatch(/\bat \w+ \(|Error:/);
    expect(await links('dir-house')).toEqual([]);
    expect(await usersWithEmail('dr.house@hospital.test')).toEqual([local.id]);
    expect((await audited('federation.login.failed')).map((r) => r.details.reason)).toContain('account_exists_unlinkable');

    upstream.account = { ...upstream.account, email_verified: true };
    const linked = await viaUpstream(relaxed, 'st-example');
    expect(linked.claims!.sub).toBe(local.id);
    expect(await links('dir-house')).toEqual([{ idp_id: 'st-example', user_id: local.id }]);
    expect((await audited('federation.user.linked')).map((r) => r.details.userId)).toEqual([local.id]);
  });

  it('refuses an upstream account whose email domain the IdP does not allow', async () => {
    upstream.account = { sub: 'dir-outsider', email: 'visitor@elsewhere.test', email_verified: true };
    const result = await viaUpstream(relaxed, 'st-example');
    expect(result.status).toBe(403);
    expect(result.page).toContain('not allowed to sign in through this organisation');
    expect(await usersWithEmail('visitor@elsewhere.test')).toEqual([]);
    expect((await audited('federation.login.failed')).map((r) => r.details.reason)).toContain('domain_not_allowed');
  });

  it('asks for the local TOTP when policy requires MFA and the upstream amr does not count', async () => {
    const [userId] = await usersWithEmail('nurse.joy@hospital.test');
    const mfa = running.app.get(MfaService);
    const enrolment = await mfa.startTotpEnrolment(userId!, 'nurse.joy@hospital.test');
    expect((await mfa.confirmTotpEnrolment(userId!, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok).toBe(true);

    // This IdP is not trusted for MFA: its claim of `mfa` is not believed.
    upstream.account = { sub: 'dir-4711', email: 'nurse.joy@hospital.test', email_verified: true, amr: ['pwd', 'mfa'] };
    const first = await viaUpstream(strict, 'st-example');
    expect(first.page, 'the second-factor page').toMatch(/\/mfa\/totp"/);
    const action = /action="(\/interaction\/[^"]+\/mfa\/totp)"/.exec(first.page!)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(first.page!)![1]!.replace(/&#61;/g, '=');
    const done = await settle(
      first.agent,
      await first.agent.follow(new URL(action, running.url), REDIRECT, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, code: await totpCode(enrolment.secret) }),
      }),
    );
    expect(done.url.href.startsWith(REDIRECT), 'back at the app after the code').toBe(true);
    const tokens = await oidc.authorizationCodeGrant(strict, done.url, {
      pkceCodeVerifier: first.request.verifier,
      expectedState: first.request.state,
      expectedNonce: first.request.nonce,
    });
    expect(tokens.claims()!.sub).toBe(userId);
    expect(tokens.claims()!.acr).toBe(MFA_ACR);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['fed', 'otp', 'mfa']));
  });

  it('takes a trusted upstream MFA as satisfying the policy, with no local code', async () => {
    upstream.account = { sub: 'dir-4711', email: 'nurse.joy@hospital.test', email_verified: true, amr: ['pwd', 'otp', 'mfa'] };
    const result = await viaUpstream(strict, 'trusted');
    expect(result.page, 'no second-factor page').toBeUndefined();
    expect(result.claims!.acr).toBe(MFA_ACR);
    expect(result.claims!.amr).toEqual(expect.arrayContaining(['fed', 'mfa']));
  });

  it.each([
    ['signature', 'an ID token signed with a key the upstream never published'],
    ['iss', 'an ID token naming another issuer'],
    ['nonce', 'an ID token bound to another request'],
  ] as const)('refuses %s tampering (%s) with a readable page', async (tamper, _forged) => {
    upstream.account = { sub: `dir-tamper-${tamper}`, email: `tamper.${tamper}@hospital.test`, email_verified: true };
    upstream.tamper = tamper;
    try {
      const result = await viaUpstream(relaxed, 'st-example');
      expect(result.status).toBe(400);
      expect(result.page).toContain('Sign-in could not be verified');
      expect(result.page).not.toMatch(/\bat \w+ \(|Error:|stack/);
      expect(await usersWithEmail(`tamper.${tamper}@hospital.test`)).toEqual([]);
      expect(await links(`dir-tamper-${tamper}`)).toEqual([]);
    } finally {
      upstream.tamper = undefined;
    }
    expect((await audited('federation.login.failed')).filter((r) => r.details.reason === 'invalid_upstream_response').length).toBeGreaterThan(0);
  });

  it('ends the linked sessions on a valid upstream back-channel logout token, and ignores a forged one', async () => {
    upstream.account = { sub: 'dir-bcl', email: 'night.shift@hospital.test', email_verified: true };
    const agent = new CrossSiteAgent();
    expect((await viaUpstream(relaxed, 'st-example', agent)).claims).toBeDefined();
    const signedIn = async () => {
      const request = await buildAuthorizationUrl(relaxed, REDIRECT);
      return (await agent.follow(request.url, REDIRECT)).url.href.startsWith(REDIRECT);
    };
    expect(await signedIn(), 'the session signs the user in without a page').toBe(true);
    const post = async (token: string) =>
      fetch(`${running.url}/federation/backchannel-logout/st-example`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });

    expect((await post(await upstream.logoutToken({ sub: 'dir-bcl' }, { rogueKey: true }))).status).toBe(400);
    expect((await post(await upstream.logoutToken({ sub: 'dir-bcl', nonce: 'n' }))).status).toBe(400);
    expect(await signedIn(), 'a forged logout token ends nothing').toBe(true);

    expect((await post(await upstream.logoutToken({ sub: 'dir-bcl' }))).status).toBe(200);
    expect(await signedIn(), 'signed out here too').toBe(false);
    expect((await audited('federation.logout.received')).map((r) => r.details.idpId)).toEqual(['st-example']);
  });

  it('shows a readable page, not an error, when the upstream cannot be reached', async () => {
    const result = await viaUpstream(relaxed, 'offline');
    expect(result.status).toBe(502);
    expect(result.page).toContain('Organisation sign-in is not responding');
    expect(result.page).not.toMatch(/ECONNREFUSED|\bat \w+ \(|Error:/);
    expect((await audited('federation.login.failed')).map((r) => r.details.reason)).toContain('upstream_unreachable');
  });
});
