import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientPolicyService } from '../../../src/consent/client-policy.service.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { useApp } from '../../support/fixture.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { choose, createApp, createUser, exchange, FHIR, followTo, recordEvents, scopeSet, startAndSignIn, submitForm, type Step } from './consent-harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const page = (step: Step) => {
  if (step.kind !== 'page') throw new Error(`expected a page, the provider went back to the app: ${step.url.href}`);
  return step;
};
const isConsentPage = (step: Step) => step.kind === 'page' && step.html.includes('name="decision" value="allow"');

/** The consent step's rules, through the real pages without a browser. */
describe('consent rules', () => {
  let events: DomainEvent[];
  let app: Awaited<ReturnType<typeof createApp>>;

  const running = useApp({ env: { FHIR_BASE_URLS: FHIR } });

  beforeAll(async () => {
    events = recordEvents(running);
    app = await createApp(running, {
      name: 'Medication Helper',
      redirectUris: [REDIRECT],
      resourceScopes: ['launch/patient', 'patient/MedicationRequest.rs', 'patient/AllergyIntolerance.cruds', 'online_access'],
    });
  });

  const launch = (scope: string, extra: Record<string, string> = {}) => ({ scope, aud: FHIR, ...extra });

  it('Deny ends the request with access_denied, records it, and grants nothing', async () => {
    const user = await createUser(running, 'denier@patients.test', { fhirUser: 'Patient/d-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'denier@patients.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    expect(isConsentPage(step)).toBe(true);
    const back = await choose(browser, step, { decision: 'deny' }, REDIRECT);
    expect(back.kind === 'callback' && back.url.searchParams.get('error')).toBe('access_denied');
    expect(events.filter((e) => e.name === 'consent.denied').at(-1)?.payload).toEqual({
      userId: user.id,
      clientId: app.clientId,
      scopes: ['openid', 'launch/patient', 'patient/MedicationRequest.rs'],
    });
    const rows = await running.db.query('SELECT 1 FROM consent_grants WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a consent form without its CSRF token', async () => {
    const user = await createUser(running, 'csrf@patients.test', { fhirUser: 'Patient/c-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'csrf@patients.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    const action = /<form method="post" action="([^"]+)"/.exec(page(step).html)![1]!;
    const res = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'allow', csrf: 'forged' }),
    });
    expect(res.status).toBe(403);
    expect(events.some((e) => e.name === 'consent.granted' && (e.payload as { userId: string }).userId === user.id)).toBe(false);
    expect(await running.db.query('SELECT 1 FROM consent_grants WHERE user_id = $1', [user.id])).toHaveLength(0);
  });

  it('asks again only for more than was allowed, or when the app asks for prompt=consent, or once the consent expired', async () => {
    const user = await createUser(running, 'repeat@patients.test', { fhirUser: 'Patient/r-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const first = await startAndSignIn(browser, app, REDIRECT, 'repeat@patients.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    await choose(browser, first.step, { decision: 'allow' }, REDIRECT);

    // Inside the grant (even a narrower request): silent.
    const narrower = await buildAuthorizationUrl(app.config, REDIRECT, launch('openid launch/patient patient/MedicationRequest.r'));
    expect((await followTo(browser, narrower.url, REDIRECT)).kind).toBe('callback');

    // More than the grant: the page, listing the whole request.
    const wider = await buildAuthorizationUrl(app.config, REDIRECT, launch('openid launch/patient patient/MedicationRequest.rs patient/AllergyIntolerance.rs'));
    const asked = await followTo(browser, wider.url, REDIRECT);
    expect(isConsentPage(asked)).toBe(true);
    expect(page(asked).html).toContain('allergies');
    expect(page(asked).html).toContain('prescriptions');
    const allowed = await choose(browser, asked, { decision: 'allow' }, REDIRECT);
    expect(allowed.kind).toBe('callback');
    const [row] = await running.db.query<{ resource_scopes: Record<string, string[]> }>('SELECT resource_scopes FROM consent_grants WHERE user_id = $1', [user.id]);
    expect(new Set(row!.resource_scopes[FHIR])).toEqual(new Set(['openid', 'launch/patient', 'patient/MedicationRequest.rs', 'patient/AllergyIntolerance.rs']));

    // prompt=consent: the page, although everything is allowed already.
    const forced = await buildAuthorizationUrl(app.config, REDIRECT, launch('openid launch/patient patient/MedicationRequest.rs', { prompt: 'consent' }));
    expect(isConsentPage(await followTo(browser, forced.url, REDIRECT))).toBe(true);

    // An expired consent no longer covers anything.
    await running.db.query(`UPDATE consent_grants SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [user.id]);
    const afterExpiry = await buildAuthorizationUrl(app.config, REDIRECT, launch('openid launch/patient patient/MedicationRequest.rs'));
    expect(isConsentPage(await followTo(browser, afterExpiry.url, REDIRECT))).toBe(true);
  });

  it('grants a v1 scope inside the ceiling as asked, and narrows a v1 scope beyond it to v2', async () => {
    await createUser(running, 'v1@patients.test', { fhirUser: 'Patient/v-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { request, step } = await startAndSignIn(
      browser,
      app,
      REDIRECT,
      'v1@patients.test',
      launch('openid launch/patient patient/MedicationRequest.* patient/AllergyIntolerance.read patient/Condition.read'),
    );
    const back = await choose(browser, step, { decision: 'allow' }, REDIRECT);
    const tokens = await exchange(app, (back as Extract<Step, { kind: 'callback' }>).url, request);
    expect(scopeSet(tokens.scope)).toEqual(scopeSet('openid launch/patient patient/MedicationRequest.rs patient/AllergyIntolerance.read'));
    expect(tokens.patient).toBe('v-1');
  });

  it('skips the page for a trusted first-party app and records the skip', async () => {
    const trusted = await createApp(running, { name: 'Hospital Portal', redirectUris: [REDIRECT], resourceScopes: ['launch/patient', 'patient/*.rs'] });
    await running.app.get(ClientPolicyService).setFirstParty(trusted.clientId, true, undefined, { type: 'system', id: 'test' });
    const user = await createUser(running, 'portal@patients.test', { fhirUser: 'Patient/f-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { request, step } = await startAndSignIn(browser, trusted, REDIRECT, 'portal@patients.test', launch('openid launch/patient patient/*.rs'));
    expect(step.kind).toBe('callback');
    const tokens = await exchange(trusted, (step as Extract<Step, { kind: 'callback' }>).url, request);
    expect(scopeSet(tokens.scope)).toEqual(scopeSet('openid launch/patient patient/*.rs'));
    expect(events.filter((e) => e.name === 'consent.granted').at(-1)?.payload).toMatchObject({ userId: user.id, clientId: trusted.clientId, via: 'first_party' });
  });

  it('refuses a launch that needs a patient when the user may open none', async () => {
    await createUser(running, 'nobody@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'nobody@hospital.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    expect(step.kind === 'callback' && step.url.searchParams.get('error')).toBe('access_denied');
  });

  it('gives online_access a refresh token, and a refresh keeps the launch context', async () => {
    await createUser(running, 'online@patients.test', { fhirUser: 'Patient/o-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { request, step } = await startAndSignIn(browser, app, REDIRECT, 'online@patients.test', launch('openid launch/patient patient/MedicationRequest.rs online_access'));
    const back = await choose(browser, step, { decision: 'allow' }, REDIRECT);
    const tokens = await exchange(app, (back as Extract<Step, { kind: 'callback' }>).url, request);
    expect(scopeSet(tokens.scope).has('online_access')).toBe(true);
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect(refreshed.patient).toBe('o-1');
    expect(scopeSet(refreshed.scope)).toEqual(scopeSet(tokens.scope));
  });

  it('does not take authorization requests as a form POST (and smart-configuration does not claim authorize-post)', async () => {
    const request = await buildAuthorizationUrl(app.config, REDIRECT, launch('openid launch/patient patient/MedicationRequest.rs'));
    const res = await fetch(new URL('/authorize', running.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: request.url.searchParams,
      redirect: 'manual',
    });
    expect(res.status).toBe(404);
    const smart = (await (await fetch(new URL('/.well-known/smart-configuration', running.url))).json()) as { capabilities: string[] };
    expect(smart.capabilities).not.toContain('authorize-post');
  });

  it('keeps OpenID Connect’s rule for offline_access outside SMART: without prompt=consent it is not granted', async () => {
    const plain = await createApp(running, { name: 'Ward Board', redirectUris: [REDIRECT] });
    await createUser(running, 'ward@hospital.test');
    const browser = new HttpBrowser(running.url);
    const { request, step } = await startAndSignIn(browser, plain, REDIRECT, 'ward@hospital.test', { scope: 'openid offline_access' });
    expect(page(step).html).not.toContain('offline_access');
    const back = await choose(browser, step, { decision: 'allow' }, REDIRECT);
    const tokens = await exchange(plain, (back as Extract<Step, { kind: 'callback' }>).url, request);
    expect(scopeSet(tokens.scope)).toEqual(scopeSet('openid'));
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('forgets links to provider grants long ended, and keeps the others', async () => {
    const { ConsentService } = await import('../../../src/consent/index.js');
    const [grant] = await running.db.query<{ id: string }>('SELECT id FROM consent_grants LIMIT 1');
    await running.db.query(
      `INSERT INTO consent_grant_authorizations (oidc_grant_id, consent_grant_id, created_at, expires_at)
       VALUES ('ended-long-ago', $1, now() - interval '30 days', now() - interval '20 days'),
              ('ended-yesterday', $1, now() - interval '2 days', now() - interval '1 day')`,
      [grant!.id],
    );
    expect(await running.app.get(ConsentService).cleanupExpiredLinks()).toBeGreaterThanOrEqual(1);
    const left = await running.db.query<{ oidc_grant_id: string }>(`SELECT oidc_grant_id FROM consent_grant_authorizations WHERE oidc_grant_id LIKE 'ended-%'`);
    expect(left.map((r) => r.oidc_grant_id)).toEqual(['ended-yesterday']);
  });

  it('sends a visitor of the account page who is not signed in to sign in first', async () => {
    const browser = new HttpBrowser(running.url);
    const res = await browser.request('/account/apps');
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location')!);
    expect(target.pathname).toBe('/authorize');
    expect(target.searchParams.get('client_id')).toBe('caduceus-account');
    const signIn = await followTo(browser, target, REDIRECT);
    expect(page(signIn).html).toContain('name="password"');
  });

  it('shows a signed-in user only their own apps, and refuses to revoke another user’s grant', async () => {
    const owner = await createUser(running, 'owner@patients.test', { fhirUser: 'Patient/w-1', patients: [] });
    const browser = new HttpBrowser(running.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'owner@patients.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    await choose(browser, step, { decision: 'allow' }, REDIRECT);
    const [grant] = await running.db.query<{ id: string }>('SELECT id FROM consent_grants WHERE user_id = $1', [owner.id]);

    await createUser(running, 'intruder@patients.test', { fhirUser: 'Patient/i-1', patients: [] });
    const other = new HttpBrowser(running.url);
    const signedIn = await startAndSignIn(other, app, REDIRECT, 'intruder@patients.test', launch('openid launch/patient patient/MedicationRequest.rs'));
    await choose(other, signedIn.step, { decision: 'allow' }, REDIRECT);
    const apps = await other.request('/account/apps');
    const html = await apps.text();
    expect(html).toContain('Medication Helper');
    expect(html).not.toContain(grant!.id);
    const forged = html.replace(/action="\/account\/apps\/[^/]+\/revoke"/, `action="/account/apps/${grant!.id}/revoke"`);
    const res = await submitForm(other, forged, {});
    expect(res.status).toBe(404);
    const [still] = await running.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM consent_grants WHERE id = $1', [grant!.id]);
    expect(still!.revoked_at).toBeNull();
  });
});
