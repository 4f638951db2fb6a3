import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { MfaService } from '../../../src/mfa/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { authorize } from '../../support/sign-in-flow.js';
import { totpCode } from '../../support/totp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long and unusual passphrase 7';
const JUSTIFICATION = 'Code blue in the ICU and the directory is down';

type Persona = 'password-only' | 'totp' | 'passkey' | 'federated' | 'breakglass';
/** What the person at the keyboard holds when the cell runs: nothing, the password (or the emergency password and reason), or the full sign-in. */
type Stage = 'start' | 'after-password' | 'after-emergency-password' | 'consent';

interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** json: a script-driven passkey call (CSRF in a header). */
  json?: boolean;
  body?: Record<string, string>;
}

/** Every /interaction route the service serves, with what an attacker would send it (wrong codes, forged state). */
const ROUTES: Route[] = [
  { name: 'show', method: 'GET', path: '' },
  { name: 'login (password again)', method: 'POST', path: '/login', body: { email: '{email}', password: PASSWORD } },
  { name: 'home-realm discovery', method: 'POST', path: '/federation', body: { email: '{email}' } },
  { name: 'federation button', method: 'POST', path: '/federation/no-such-idp' },
  { name: 'federation return (forged)', method: 'GET', path: '/federation/complete?state=forged-state-value' },
  { name: 'mfa page', method: 'GET', path: '/mfa' },
  { name: 'mfa totp (wrong)', method: 'POST', path: '/mfa/totp', body: { code: '000000' } },
  { name: 'mfa recovery (wrong)', method: 'POST', path: '/mfa/recovery', body: { code: 'aaaa-bbbb-cccc' } },
  { name: 'mfa enrol (wrong)', method: 'POST', path: '/mfa/enrol', body: { code: '000000' } },
  { name: 'recovery codes page', method: 'GET', path: '/mfa/recovery-codes' },
  { name: 'mfa done', method: 'POST', path: '/mfa/done' },
  { name: 'passkey options', method: 'POST', path: '/mfa/webauthn/authenticate-options', json: true },
  { name: 'passkey (forged)', method: 'POST', path: '/mfa/webauthn/authenticate', json: true },
  { name: 'passkey register options', method: 'POST', path: '/mfa/webauthn/register-options', json: true },
  { name: 'passkey register (forged)', method: 'POST', path: '/mfa/webauthn/register', json: true },
  { name: 'consent allow', method: 'POST', path: '/consent', body: { decision: 'allow' } },
  { name: 'patient', method: 'POST', path: '/patient', body: { patient: 'p1' } },
  { name: 'emergency page', method: 'GET', path: '/emergency' },
  { name: 'emergency start (wrong factor later)', method: 'POST', path: '/emergency', body: { email: '{email}', password: PASSWORD, justification: JUSTIFICATION } },
  { name: 'emergency totp (wrong)', method: 'POST', path: '/emergency/totp', body: { code: '000000' } },
  { name: 'emergency recovery (wrong)', method: 'POST', path: '/emergency/recovery', body: { code: 'aaaa-bbbb-cccc' } },
  { name: 'emergency passkey options', method: 'POST', path: '/emergency/webauthn-options', json: true },
  { name: 'emergency passkey (forged)', method: 'POST', path: '/emergency/webauthn', json: true },
];

const STAGES: Record<Persona, Stage[]> = {
  'password-only': ['start', 'after-password'],
  totp: ['start', 'after-password', 'consent'],
  passkey: ['start', 'after-password'],
  federated: ['start'],
  breakglass: ['start', 'after-password', 'after-emergency-password'],
};

/**
 * Issue #16's matrix: every /interaction route, in every stage a person can hold, for each kind
 * of user, on an app that requires MFA. No cell may reach the app with a code unless the stage
 * already had every factor the policy asks for, no cell may show recovery codes, and no cell
 * may change the user's recovery codes.
 */
describe('every /interaction route in every stage', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let config: oidc.Configuration;
  const emails = {} as Record<Persona, string>;
  const totpSecrets = {} as Record<Persona, string>;
  const ids = {} as Record<Persona, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), MFA_MAX_ATTEMPTS: '10' });
    const identity = running.app.get(IdentityService);
    const mfa = running.app.get(MfaService);
    const c = await running.app
      .get(ClientsService)
      .createClient({ name: 'ICU charting', type: 'confidential', mfaPolicy: 'required', redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
    config = await oidc.discovery(new URL(running.url), c.clientId, undefined, oidc.ClientSecretBasic(c.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
    for (const persona of Object.keys(STAGES) as Persona[]) {
      const email = `${persona}@hospital.test`;
      emails[persona] = email;
      const user = await identity.createUser({
        email,
        ...(persona === 'federated' ? {} : { password: PASSWORD }),
        roles: persona === 'breakglass' ? ['breakglass'] : [],
      });
      ids[persona] = user.id;
      if (persona === 'totp' || persona === 'breakglass') {
        const e = await mfa.startTotpEnrolment(user.id, email);
        expect((await mfa.confirmTotpEnrolment(user.id, e.factorId, await totpCode(e.secret, -1))).ok).toBe(true);
        totpSecrets[persona] = e.secret;
      }
      if (persona === 'passkey') {
        // A registered passkey whose private key nobody in this test holds.
        await db.query(
          `INSERT INTO mfa_factors (id, user_id, type, label, confirmed, credential_id, public_key, sign_count, transports, device_type, created_at)
           VALUES ($1, $2, 'webauthn', 'Passkey', true, $3, $4, 0, '{internal}', 'singleDevice', now())`,
          [randomUUID(), user.id, Buffer.from(randomUUID()).toString('base64url'), Buffer.alloc(77, 1).toString('base64url')],
        );
      }
      if (persona !== 'federated' && persona !== 'password-only') await mfa.regenerateRecoveryCodes(user.id);
    }
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  const codesOf = async (persona: Persona) =>
    (await db.query<{ code_hash: string; used_at: Date | null }>('SELECT code_hash, used_at FROM mfa_recovery_codes WHERE user_id = $1 ORDER BY code_hash', [ids[persona]])).map(
      (r) => `${r.code_hash}:${r.used_at ? 'used' : 'unused'}`,
    );

  const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
  const passkeyCsrfIn = (html: string) => /data-csrf="([^"]+)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');

  /** Brings a fresh interaction to `stage`; returns its uid and the CSRF values the browser holds there. */
  async function reach(browser: HttpBrowser, persona: Persona, stage: Stage) {
    const started = await authorize(browser, config, REDIRECT);
    const page = started.page!;
    const uid = /\/interaction\/([^/"]+)\/login/.exec(page)![1]!;
    const held = { uid, csrf: csrfIn(page)!, json: csrfIn(page)!, emergency: '' };
    const emergencyPage = await (await browser.request(`/interaction/${uid}/emergency`)).text();
    held.emergency = csrfIn(emergencyPage) ?? '';
    if (stage === 'start') return held;
    if (stage === 'after-emergency-password') {
      const res = await post(browser, `/interaction/${uid}/emergency`, { csrf: held.emergency, email: emails[persona], password: PASSWORD, justification: JUSTIFICATION });
      expect(res.status).toBe(200);
      return held;
    }
    const posted = await browser.submitSignIn(page, { email: emails[persona], password: PASSWORD });
    expect(posted.status).toBe(303);
    const next = await browser.follow(posted.headers.get('location')!);
    const html = await next.res.text();
    expect(next.url.href.startsWith(REDIRECT), 'the password alone reached the app').toBe(false);
    held.csrf = csrfIn(html) ?? held.csrf;
    held.json = passkeyCsrfIn(html) ?? held.csrf;
    if (stage === 'after-password') return held;
    // consent: the full sign-in with the user's TOTP; the consent page is where it stands. Each
    // cell signs in anew within one TOTP window, so the replay guard's last step is forgotten first.
    await db.query('UPDATE mfa_factors SET last_step = NULL WHERE user_id = $1', [ids[persona]]);
    // An Allow of an earlier cell would cover this one (no consent page): each cell asks anew.
    await db.query('UPDATE consent_grants SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [ids[persona]]);
    const totp = await post(browser, `/interaction/${uid}/mfa/totp`, { csrf: held.csrf, code: await totpCode(totpSecrets[persona], 0) });
    expect(totp.status).toBe(303);
    const consent = await browser.follow(totp.headers.get('location')!);
    const consentHtml = await consent.res.text();
    expect(consentHtml).toContain('Allow');
    // The login's interaction is over: the consent prompt is an interaction of its own.
    held.uid = /^\/interaction\/([^/]+)$/.exec(consent.url.pathname)![1]!;
    held.csrf = csrfIn(consentHtml)!;
    return held;
  }

  function post(browser: HttpBrowser, path: string, body: Record<string, string>) {
    return browser.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: running.url }, body: new URLSearchParams(body) });
  }

  async function call(browser: HttpBrowser, persona: Persona, held: Awaited<ReturnType<typeof reach>>, route: Route) {
    const path = `/interaction/${held.uid}${route.path}`;
    if (route.method === 'GET') return browser.request(path);
    if (route.json) {
      return browser.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: running.url, 'x-csrf-token': route.path.startsWith('/emergency') ? held.emergency : held.json },
        body: JSON.stringify({ id: 'forged', rawId: 'forged', type: 'public-key', response: {} }),
      });
    }
    const csrf = route.path.startsWith('/emergency') ? held.emergency : held.csrf;
    const body = Object.fromEntries(Object.entries(route.body ?? {}).map(([k, v]) => [k, v.replace('{email}', emails[persona])]));
    return post(browser, path, { csrf, ...body });
  }

  /** Where the browser ends when it follows a response (and the interaction after it): a code for the app, or not. */
  async function reachedAppWithCode(browser: HttpBrowser, res: Response, uid: string): Promise<boolean> {
    const locations: string[] = [];
    if (res.status >= 300 && res.status < 400) locations.push(res.headers.get('location')!);
    if (res.headers.get('content-type')?.includes('json')) {
      const redirect = ((await res.clone().json().catch(() => ({}))) as { redirect?: string }).redirect;
      if (redirect) locations.push(redirect);
    }
    locations.push(`/interaction/${uid}`);
    for (const location of locations) {
      const done = await browser.follow(location);
      if (done.url.href.startsWith(REDIRECT) && done.url.searchParams.has('code')) return true;
    }
    return false;
  }

  for (const [persona, stages] of Object.entries(STAGES) as Array<[Persona, Stage[]]>) {
    for (const stage of stages) {
      it.each(ROUTES.map((r) => [r.name, r] as const))(`${persona} user, ${stage}: %s neither finishes without the factors nor touches recovery codes`, async (_name, route) => {
        const before = await codesOf(persona);
        const browser = new HttpBrowser(running.url);
        const held = await reach(browser, persona, stage);
        const res = await call(browser, persona, held, route);
        const text = await res.clone().text();
        expect(text, 'recovery codes shown').not.toContain('id="recovery-codes"');
        const gotCode = await reachedAppWithCode(browser, res, held.uid);
        // Only the consent stage has every factor the policy asks for; an Allow there is the normal end.
        if (stage !== 'consent') expect(gotCode, 'the app got a code without the factors the policy requires').toBe(false);
        expect(await codesOf(persona), 'recovery codes changed').toEqual(before);
      });
    }
  }

  it('refuses an MFA route of another stage and audits auth.flow.refused with the stage asked and held', async () => {
    const browser = new HttpBrowser(running.url);
    const held = await reach(browser, 'totp', 'after-password');
    const done = await post(browser, `/interaction/${held.uid}/mfa/done`, { csrf: held.csrf });
    expect(done.status).toBe(403);
    const codes = await browser.request(`/interaction/${held.uid}/mfa/recovery-codes`);
    expect(codes.status).toBe(303);
    expect(codes.headers.get('location')).toBe(`/interaction/${held.uid}/mfa`);
    const rows = await db.query<{ payload: { route: string; stageAsked: string; stageHeld: string } }>(
      `SELECT details AS payload FROM audit_events WHERE event_type = 'auth.flow.refused' AND subject_id = $1 AND details->>'interactionUid' = $2 ORDER BY seq`,
      [ids.totp, held.uid],
    );
    expect(rows.map((r) => [r.payload.route, r.payload.stageAsked, r.payload.stageHeld])).toEqual([
      ['mfa/done', 'recovery_codes', 'challenge'],
      ['mfa/recovery-codes', 'recovery_codes', 'challenge'],
    ]);
    // The one sign-in state row says where the sign-in stands and what it has proven.
    const state = await db.query<{ stage: string; proven: string[]; factor_enrolled: boolean; mfa_failures: number }>(
      'SELECT stage, proven, factor_enrolled, mfa_failures FROM sign_in_progress WHERE interaction_uid = $1',
      [held.uid],
    );
    expect(state).toEqual([{ stage: 'challenge', proven: ['pwd'], factor_enrolled: false, mfa_failures: 0 }]);
  });

  /** Routes that serve one stage, asked for while the sign-in stands at another: [route, stage asked, stage held]. */
  const WRONG_STAGE: Array<[string, 'after-password' | 'consent', string, string]> = [
    ['login (password again)', 'after-password', 'identify', 'challenge'],
    ['home-realm discovery', 'after-password', 'identify', 'challenge'],
    ['federation button', 'after-password', 'identify', 'challenge'],
    ['federation return (forged)', 'after-password', 'identify', 'challenge'],
    ['consent allow', 'after-password', 'consent', 'challenge'],
    ['patient', 'after-password', 'consent', 'challenge'],
    ['emergency page', 'after-password', 'identify', 'challenge'],
    ['emergency start (wrong factor later)', 'after-password', 'identify', 'challenge'],
    ['emergency totp (wrong)', 'after-password', 'emergency_challenge', 'challenge'],
    ['emergency recovery (wrong)', 'after-password', 'emergency_challenge', 'challenge'],
    ['emergency passkey options', 'after-password', 'emergency_challenge', 'challenge'],
    ['emergency passkey (forged)', 'after-password', 'emergency_challenge', 'challenge'],
    ['login (password again)', 'consent', 'identify', 'consent'],
    ['federation return (forged)', 'consent', 'identify', 'consent'],
    ['emergency page', 'consent', 'identify', 'consent'],
    ['emergency start (wrong factor later)', 'consent', 'identify', 'consent'],
    ['mfa page', 'consent', 'challenge|enrolment_code|enrol', 'consent'],
    ['mfa totp (wrong)', 'consent', 'challenge', 'consent'],
    ['recovery codes page', 'consent', 'recovery_codes', 'consent'],
  ];

  it.each(WRONG_STAGE)('%s asked at %s: refused (GET 303 to the current step, POST 403) and audited', async (name, stage, asked, heldStage) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const browser = new HttpBrowser(running.url);
    const held = await reach(browser, 'totp', stage);
    const res = await call(browser, 'totp', held, route);
    if (route.method === 'GET') {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(heldStage === 'challenge' ? `/interaction/${held.uid}/mfa` : `/interaction/${held.uid}`);
    } else {
      expect(res.status).toBe(403);
    }
    const rows = await db.query<{ payload: { route: string; stageAsked: string; stageHeld: string } }>(
      `SELECT details AS payload FROM audit_events WHERE event_type = 'auth.flow.refused' AND details->>'interactionUid' = $1 ORDER BY seq`,
      [held.uid],
    );
    const path = route.path.replace(/^\//, '').replace(/\?.*$/, '').replace('no-such-idp', ':idp');
    expect(rows.map((r) => [r.payload.route, r.payload.stageAsked, r.payload.stageHeld])).toEqual([[path, asked, heldStage]]);
  });

  it('the sign-in page of an interaction past its password goes to the current step, not to a second password', async () => {
    const browser = new HttpBrowser(running.url);
    const held = await reach(browser, 'totp', 'after-password');
    const res = await browser.request(`/interaction/${held.uid}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/interaction/${held.uid}/mfa`);
  });

  it('the consent stage still needs its own form: Allow without the consent page’s token does not finish', async () => {
    const browser = new HttpBrowser(running.url);
    const held = await reach(browser, 'totp', 'after-password');
    const res = await post(browser, `/interaction/${held.uid}/consent`, { csrf: held.csrf, decision: 'allow' });
    expect(res.status).toBe(403);
    const back = await browser.follow(`/interaction/${held.uid}`);
    expect(back.url.href.startsWith(REDIRECT)).toBe(false);
  });
});
