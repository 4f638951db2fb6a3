import * as oidc from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/events/index.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { BOOTSTRAP_ID, useAdminApi } from '../admin/admin-api.js';
import { choose, createApp, createUser, exchange, FHIR, recordEvents, startAndSignIn, type Step } from './consent-harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * The consent admin API: a user's grants (list, revoke one or all, which kills the app's tokens),
 * an app's consent policy, the custom scope catalogue and users' SMART context — each with its
 * roles (401/403), validation (400 naming the field) and preconditions (428/412).
 */
describe('consent admin API', () => {
  const api = useAdminApi({ FHIR_BASE_URLS: FHIR });
  let events: DomainEvent[];
  let app: Awaited<ReturnType<typeof createApp>>;

  beforeAll(async () => {
    events = recordEvents(api.running);
    app = await createApp(api.running, { name: 'Lab Viewer', redirectUris: [REDIRECT], resourceScopes: ['launch/patient', 'patient/Observation.rs'] });
  });

  /** A user who allowed the app; returns the user and the tokens the app holds. */
  async function connectedUser(email: string) {
    const user = await createUser(api.running, email, { fhirUser: `Patient/${email.split('@')[0]}`, patients: [] });
    const browser = new HttpBrowser(api.url);
    const { request, step } = await startAndSignIn(browser, app, REDIRECT, email, {
      scope: 'openid launch/patient patient/Observation.rs offline_access',
      aud: FHIR,
    });
    const back = await choose(browser, step, { decision: 'allow' }, REDIRECT);
    const tokens = await exchange(app, (back as Extract<Step, { kind: 'callback' }>).url, request);
    expect(tokens.refresh_token, JSON.stringify(tokens)).toBeTruthy();
    return { user, tokens };
  }

  it('lists a user’s grants for user-admin and auditor, and revoking one kills the app’s tokens', async () => {
    const { user, tokens } = await connectedUser('grants@patients.test');
    const auditor = await api.token(['auditor']);
    const listed = await api.call('GET', `/admin/v1/users/${user.id}/grants`, { token: auditor });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body.items).toHaveLength(1);
    const grant = listed.body.items[0];
    expect(grant).toMatchObject({ userId: user.id, clientId: app.clientId, status: 'active', origin: 'user' });
    expect(new Set(grant.scopes)).toEqual(new Set(['openid', 'launch/patient', 'patient/Observation.rs', 'offline_access']));
    expect(grant.resourceScopes[FHIR]).toEqual(expect.arrayContaining(['patient/Observation.rs']));

    const one = await api.call('GET', `/admin/v1/users/${user.id}/grants/${grant.id}`, { token: auditor });
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toMatch(/^"\d+"$/);

    expect((await api.call('DELETE', `/admin/v1/users/${user.id}/grants/${grant.id}`, { token: auditor })).status).toBe(403);
    expect((await api.call('DELETE', `/admin/v1/users/${user.id}/grants/${grant.id}`)).status).toBe(401);
    expect((await api.call('DELETE', `/admin/v1/users/${user.id}/grants/${grant.id}`, { token: await api.token(['client-admin']) })).status).toBe(403);

    const userAdmin = await api.token(['user-admin']);
    const revoked = await api.call('DELETE', `/admin/v1/users/${user.id}/grants/${grant.id}`, { token: userAdmin });
    expect(revoked.status).toBe(204);
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
    const event = events.filter((e) => e.name === 'consent.revoked').at(-1)!;
    expect(event.payload).toMatchObject({ grantId: grant.id, userId: user.id, by: 'admin', providerGrants: 1 });
    expect(event.actor.type).toBe('client');

    // Revoking again is harmless; the revoked grant stays visible with status=all only.
    expect((await api.call('DELETE', `/admin/v1/users/${user.id}/grants/${grant.id}`, { token: userAdmin })).status).toBe(204);
    expect((await api.call('GET', `/admin/v1/users/${user.id}/grants`, { token: auditor })).body.items).toEqual([]);
    const all = await api.call('GET', `/admin/v1/users/${user.id}/grants?status=all`, { token: auditor });
    expect(all.body.items).toEqual([expect.objectContaining({ id: grant.id, status: 'revoked', revokedBy: expect.stringMatching(/^client:/) })]);
  });

  it('revokes every grant of a user at once (offboarding)', async () => {
    const { user, tokens } = await connectedUser('leaver@patients.test');
    const res = await api.call('DELETE', `/admin/v1/users/${user.id}/grants`, { token: await api.token(['user-admin']) });
    expect(res.status).toBe(204);
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers bad identifiers with 400 naming the field, and unknown users or grants with 404', async () => {
    const auditor = await api.token(['auditor']);
    const bad = await api.call('GET', '/admin/v1/users/not-a-uuid/grants', { token: auditor });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'userId' })]);
    const badQuery = await api.call('GET', '/admin/v1/users/00000000-0000-4000-8000-000000000000/grants?limit=0', { token: auditor });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
    expect((await api.call('GET', '/admin/v1/users/00000000-0000-4000-8000-000000000000/grants', { token: auditor })).status).toBe(404);
    const someone = await createUser(api.running, 'nobody.granted@patients.test');
    expect((await api.call('GET', `/admin/v1/users/${someone.id}/grants/00000000-0000-4000-8000-000000000000`, { token: auditor })).status).toBe(404);
  });

  it('marks an app first-party with If-Match once a policy exists, and the consent page is then skipped', async () => {
    const clientAdmin = await api.token(['client-admin']);
    const path = `/admin/v1/clients/${app.clientId}/consent-policy`;
    const read = await api.call('GET', path, { token: await api.token(['auditor']) });
    expect(read.body).toEqual({ clientId: app.clientId, firstParty: false, ceiling: ['launch/patient', 'patient/Observation.rs'] });

    const bad = await api.call('PUT', path, { token: clientAdmin, body: { firstParty: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'firstParty' })]);
    expect((await api.call('PUT', path, { token: await api.token(['auditor']), body: { firstParty: true } })).status).toBe(403);

    const created = await api.call('PUT', path, { token: clientAdmin, body: { firstParty: true } });
    expect(created.status).toBe(200);
    const etag = created.headers.get('etag')!;
    expect((await api.call('PUT', path, { token: clientAdmin, body: { firstParty: false } })).status).toBe(428);
    expect((await api.call('PUT', path, { token: clientAdmin, body: { firstParty: false }, headers: { 'if-match': '"999"' } })).status).toBe(412);
    expect(events.filter((e) => e.name === 'consent.client_policy.updated').at(-1)?.payload).toEqual({
      clientId: app.clientId,
      before: { firstParty: false },
      after: { firstParty: true },
    });

    const user = await createUser(api.running, 'trusting@patients.test', { fhirUser: 'Patient/t-1', patients: [] });
    const browser = new HttpBrowser(api.url);
    const { step } = await startAndSignIn(browser, app, REDIRECT, 'trusting@patients.test', { scope: 'openid launch/patient patient/Observation.rs', aud: FHIR });
    expect(step.kind).toBe('callback');
    expect(events.filter((e) => e.name === 'consent.granted').at(-1)?.payload).toMatchObject({ userId: user.id, via: 'first_party' });

    const back = await api.call('PUT', path, { token: clientAdmin, body: { firstParty: false }, headers: { 'if-match': etag } });
    expect(back.status).toBe(200);
    expect((await api.call('GET', `/admin/v1/clients/unknown-client/consent-policy`, { token: clientAdmin })).status).toBe(404);
  });

  it('leaves the consent policy of a client holding admin scopes to super-admin (403 for a client-admin, nothing written)', async () => {
    const path = `/admin/v1/clients/${BOOTSTRAP_ID}/consent-policy`;
    const refused = await api.call('PUT', path, { token: await api.token(['client-admin']), body: { firstParty: true } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe('only super-admin may register or change a client whose scope ceiling holds admin scopes');
    const superAdmin = await api.token(['super-admin']);
    expect((await api.call('GET', path, { token: superAdmin })).body.firstParty).toBe(false);
    expect((await api.call('PUT', path, { token: superAdmin, body: { firstParty: false } })).status).toBe(200);
  });

  it('keeps a catalogue of custom scopes whose descriptions the consent page shows', async () => {
    const clientAdmin = await api.token(['client-admin']);
    const put = await api.call('PUT', '/admin/v1/scopes/lab:results.read', {
      token: clientAdmin,
      body: { description: 'See your lab results from the hospital laboratory', group: 'read' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ name: 'lab:results.read', group: 'read', description: 'See your lab results from the hospital laboratory', source: 'custom' });
    expect(events.filter((e) => e.name === 'consent.scope.saved').at(-1)?.payload).toMatchObject({ name: 'lab:results.read', created: true });

    const again = await api.call('PUT', '/admin/v1/scopes/lab:results.read', { token: clientAdmin, body: { description: 'Changed words', group: 'read' } });
    expect(again.status).toBe(428);
    const reserved = await api.call('PUT', '/admin/v1/scopes/openid', { token: clientAdmin, body: { description: 'Hijack openid', group: 'other' } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const invalid = await api.call('PUT', '/admin/v1/scopes/lab:other', { token: clientAdmin, body: { description: 'x', group: 'nowhere' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['description', 'group']);

    const first = await api.call('GET', '/admin/v1/scopes?limit=3', { token: await api.token(['auditor']) });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    const names: string[] = first.body.items.map((s: { name: string }) => s.name);
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await api.call('GET', `/admin/v1/scopes?limit=3&cursor=${cursor}`, { token: await api.token(['auditor']) });
      names.push(...page.body.items.map((s: { name: string }) => s.name));
      cursor = page.body.nextCursor;
    }
    expect(names).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'offline_access', 'lab:results.read']));
    expect(new Set(names).size).toBe(names.length);

    expect((await api.call('DELETE', '/admin/v1/scopes/lab:results.read', { token: clientAdmin })).status).toBe(204);
    expect((await api.call('GET', '/admin/v1/scopes/lab:results.read', { token: clientAdmin })).status).toBe(404);
  });

  it('sets a user’s SMART context, validating every field', async () => {
    const user = await createUser(api.running, 'clinician.ctx@hospital.test');
    const userAdmin = await api.token(['user-admin']);
    const path = `/admin/v1/users/${user.id}/smart-context`;
    expect((await api.call('GET', path, { token: userAdmin })).status).toBe(404);

    const invalid = await api.call('PUT', path, {
      token: userAdmin,
      body: { fhirUser: 'Device/1', patients: [{ patientId: 'has space', displayName: '' }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['fhirUser', 'patients.0.displayName', 'patients.0.patientId']);

    const body = { fhirUser: 'Practitioner/pr-1', patients: [{ patientId: 'pat-1', displayName: 'Alice Example', encounterId: 'enc-9' }] };
    const saved = await api.call('PUT', path, { token: userAdmin, body });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ userId: user.id, fhirUser: 'Practitioner/pr-1', patients: [{ patientId: 'pat-1', displayName: 'Alice Example', encounterId: 'enc-9' }] });
    expect((await api.call('PUT', path, { token: userAdmin, body })).status).toBe(428);
    const updated = await api.call('PUT', path, { token: userAdmin, body: { ...body, patients: [] }, headers: { 'if-match': saved.headers.get('etag')! } });
    expect(updated.status).toBe(200);
    expect(updated.body.patients).toEqual([]);
    expect((await api.call('PUT', path, { token: await api.token(['auditor']), body })).status).toBe(403);
    expect(events.filter((e) => e.name === 'smart.user_context.updated').at(-1)?.payload).toEqual({ userId: user.id, fhirUser: 'Practitioner/pr-1', patientIds: [] });
  });
});
