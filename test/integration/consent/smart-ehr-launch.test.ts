import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE, type OpenedDatabase } from '../../../src/database/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { buildAuthorizationUrl } from '../../support/relying-party.js';
import { useAdminApi } from '../admin/admin-api.js';
import { choose, createApp, createUser, exchange, FHIR, followTo, recordEvents, startAndSignIn, type Step } from './consent-harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const OTHER_FHIR = 'https://fhir.hospital.test/dstu2';
const SCOPE = 'openid fhirUser launch patient/Observation.rs patient/Patient.r';

/**
 * SMART EHR launch against the real service: the EHR creates a launch through the admin API,
 * the app's authorization request uses it once, the token carries exactly the EHR's context;
 * every other use of a launch (unknown, expired, used, another app's, another FHIR server,
 * another user) is refused and audited.
 */
describe('SMART EHR launch', () => {
  const api = useAdminApi({ FHIR_BASE_URLS: `${FHIR},${OTHER_FHIR}`, SMART_EHR_LAUNCH: 'on' });
  let events: DomainEvent[];
  let app: Awaited<ReturnType<typeof createApp>>;
  let otherApp: Awaited<ReturnType<typeof createApp>>;
  let ehr: string;
  let clinician: { id: string };

  beforeAll(async () => {
    events = recordEvents(api.running);
    const ceiling = ['launch', 'fhirUser', 'patient/*.rs', 'launch/patient'];
    app = await createApp(api.running, { name: 'Growth Charts', redirectUris: [REDIRECT], resourceScopes: ceiling });
    otherApp = await createApp(api.running, { name: 'Med Rec', redirectUris: [REDIRECT], resourceScopes: ceiling });
    ehr = await api.token(['smart-launch']);
    // Two patients on the picker: a standalone launch would ask which; the EHR launch must not.
    clinician = await createUser(api.running, 'dr.ehr@hospital.test', {
      fhirUser: 'Practitioner/pr-1',
      patients: [
        { patientId: 'pat-1', displayName: 'Alice Example' },
        { patientId: 'pat-2', displayName: 'Bob Example' },
      ],
    });
    await createUser(api.running, 'nurse.ehr@hospital.test', { fhirUser: 'Practitioner/pr-2', patients: [] });
  });

  const createLaunch = async (body: Record<string, unknown> = {}) => {
    const res = await api.call('POST', '/admin/v1/smart/launches', {
      token: ehr,
      body: { clientId: app.clientId, fhirBase: FHIR, patient: 'pat-2', encounter: 'enc-9', fhirUser: 'Practitioner/pr-1', ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; launch: string; iss: string; expiresAt: string };
  };

  const authorize = (launch: string, params: Record<string, string> = {}, client = app) =>
    buildAuthorizationUrl(client.config, REDIRECT, { scope: SCOPE, aud: FHIR, launch, ...params });

  async function refusedAtAuthorize(launch: string, params: Record<string, string> = {}, client = app) {
    const request = await authorize(launch, params, client);
    const step = await followTo(new HttpBrowser(api.url), request.url, REDIRECT);
    expect(step.kind, step.kind === 'page' ? step.html.slice(0, 300) : '').toBe('callback');
    return step.url.searchParams;
  }

  const refusals = () => events.filter((e) => e.name === 'smart.launch.refused').map((e) => e.payload as { reason: string; launchId: string | null });

  it('runs a launch: no patient picker, and the token response and introspection carry the EHR’s context', async () => {
    const fhirContext = [{ reference: 'DiagnosticReport/dr-5' }, { reference: 'Observation/obs-3', role: 'https://example.org/roles/focus' }];
    const created = await createLaunch({ fhirContext, intent: 'reconcile-medications', needPatientBanner: false, smartStyleUrl: 'https://ehr.hospital.test/smart-style.json' });
    expect(created.iss).toBe(FHIR);
    expect(created.launch).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const browser = new HttpBrowser(api.url);
    const { request, step } = await startAndSignIn(browser, app, REDIRECT, 'dr.ehr@hospital.test', { scope: SCOPE, aud: FHIR, launch: created.launch });
    expect(step.kind).toBe('page');
    const page = (step as Extract<Step, { kind: 'page' }>).html;
    expect(page).not.toContain('Choose a patient');
    expect(page).toContain('>Allow</button>');
    const back = await choose(browser, step, { decision: 'allow' }, REDIRECT);
    expect(back.kind).toBe('callback');
    const tokens = await exchange(app, back.url, request);
    expect(tokens).toMatchObject({
      patient: 'pat-2',
      encounter: 'enc-9',
      fhirContext,
      intent: 'reconcile-medications',
      need_patient_banner: false,
      smart_style_url: 'https://ehr.hospital.test/smart-style.json',
    });
    expect(tokens.scope?.split(' ')).toContain('launch');
    const introspection = await oidc.tokenIntrospection(app.config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, aud: FHIR, patient: 'pat-2', encounter: 'enc-9', fhirContext, fhirUser: 'Practitioner/pr-1' });

    expect(events.find((e) => e.name === 'smart.launch.created')?.payload).toMatchObject({ launchId: created.id, clientId: app.clientId, patientId: 'pat-2', encounterId: 'enc-9' });
    expect(events.find((e) => e.name === 'smart.launch.used')?.payload).toMatchObject({ launchId: created.id, patientId: 'pat-2' });
    expect(events.filter((e) => e.name === 'disclosure.recorded').at(-1)?.payload).toMatchObject({ patientId: 'pat-2', encounterId: 'enc-9', clientId: app.clientId, userId: clinician.id });
    const audit = await api.call('GET', `/admin/v1/audit/events?type=smart.launch.used`, { token: await api.token(['auditor']) });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);

    // Reused: the same value a second time is refused, not turned into a standalone launch.
    const again = await refusedAtAuthorize(created.launch);
    expect(again.get('error')).toBe('invalid_request');
    expect(again.get('error_description')).toMatch(/already used/);
    expect(refusals().at(-1)).toMatchObject({ reason: 'used', launchId: created.id });
  });

  it('refuses an unknown launch, an expired one, another app’s and one for another FHIR server with invalid_request', async () => {
    const unknown = await refusedAtAuthorize('not-a-launch-this-server-made');
    expect(unknown.get('error')).toBe('invalid_request');
    expect(refusals().at(-1)).toMatchObject({ reason: 'unknown', launchId: null });

    const expired = await createLaunch();
    // Time passes: the launch's validity ends (the row is moved, not the code).
    await api.running.app.get<OpenedDatabase>(DATABASE).dataSource.query(`UPDATE smart_launches SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    expect((await refusedAtAuthorize(expired.launch)).get('error')).toBe('invalid_request');
    expect(refusals().at(-1)).toMatchObject({ reason: 'expired', launchId: expired.id });

    const forAnother = await createLaunch();
    const stolen = await refusedAtAuthorize(forAnother.launch, {}, otherApp);
    expect(stolen.get('error')).toBe('invalid_request');
    expect(refusals().at(-1)).toMatchObject({ reason: 'other_client', launchId: forAnother.id });

    const otherServer = await refusedAtAuthorize(forAnother.launch, { aud: OTHER_FHIR });
    expect(otherServer.get('error')).toBe('invalid_request');
    expect(refusals().at(-1)).toMatchObject({ reason: 'other_fhir_base', launchId: forAnother.id });

    // A launch parameter without the launch scope is refused too, never silently dropped.
    const noScope = await refusedAtAuthorize(forAnother.launch, { scope: 'openid patient/Observation.rs' });
    expect(noScope.get('error')).toBe('invalid_request');
  });

  it('is used once under concurrency: of several simultaneous requests exactly one proceeds', async () => {
    const created = await createLaunch();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const request = await authorize(created.launch);
        const res = await fetch(request.url, { redirect: 'manual' });
        return new URL(res.headers.get('location')!, api.url);
      }),
    );
    const proceeded = outcomes.filter((u) => u.pathname.startsWith('/interaction/'));
    const refused = outcomes.filter((u) => u.searchParams.get('error') === 'invalid_request');
    expect(proceeded).toHaveLength(1);
    expect(refused).toHaveLength(5);
  });

  it('refuses another user signing in for the launch, with access_denied to the app, and audits it', async () => {
    const created = await createLaunch({ fhirUser: undefined, userId: clinician.id });
    const browser = new HttpBrowser(api.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'nurse.ehr@hospital.test', { scope: SCOPE, aud: FHIR, launch: created.launch });
    expect(step.kind, step.kind === 'page' ? step.html.slice(0, 300) : '').toBe('callback');
    expect(step.url.searchParams.get('error')).toBe('access_denied');
    expect(refusals().at(-1)).toMatchObject({ reason: 'other_user', launchId: created.id });
  });

  it('lets only admin:smart-launch create launches, validates each field by name, and advertises EHR launch', async () => {
    const clientAdmin = await api.token(['client-admin']);
    const body = { clientId: app.clientId, fhirBase: FHIR, patient: 'pat-2', userId: clinician.id };
    expect((await api.call('POST', '/admin/v1/smart/launches', { token: clientAdmin, body })).status).toBe(403);
    // Only super-admin may give a client the admin:smart-launch scope.
    const mint = await api.call('POST', '/admin/v1/clients', {
      token: clientAdmin,
      body: { name: 'Rogue EHR', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:smart-launch'] },
    });
    expect(mint.status).toBe(403);

    const bad = await api.call('POST', '/admin/v1/smart/launches', {
      token: ehr,
      body: { clientId: app.clientId, fhirBase: 'https://elsewhere.test/fhir', patient: 'pat 2' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['patient', 'userId']));
    const server = await api.call('POST', '/admin/v1/smart/launches', { token: ehr, body: { ...body, fhirBase: 'https://elsewhere.test/fhir' } });
    expect(server.status).toBe(400);
    expect(server.body.errors).toEqual([expect.objectContaining({ field: 'fhirBase' })]);
    const noApp = await api.call('POST', '/admin/v1/smart/launches', { token: ehr, body: { ...body, clientId: 'no-such-app' } });
    expect(noApp.body.errors).toEqual([expect.objectContaining({ field: 'clientId' })]);

    const discovery = (await (await fetch(new URL('/.well-known/smart-configuration', api.url))).json()) as { capabilities: string[]; scopes_supported: string[] };
    expect(discovery.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'context-ehr-patient', 'context-ehr-encounter', 'launch-standalone']));
    expect(discovery.scopes_supported).toContain('launch');
  });
});
