import { describe, expect, it } from 'vitest';
import { HttpBrowser } from '../../support/http-browser.js';
import { useAdminApi } from '../admin/admin-api.js';
import { choose, createApp, createUser, exchange, FHIR, startAndSignIn, type Step } from '../consent/consent-harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * Accounting of disclosures (45 CFR 164.528): two SMART apps launched for the same patient both
 * appear in that patient's list, with scopes and on whose behalf; another patient's list has
 * neither. Exportable as CSV and as FHIR AuditEvents; reading it is audited.
 */
describe('accounting of disclosures per patient', () => {
  const api = useAdminApi({ FHIR_BASE_URLS: FHIR });

  async function launch(name: string, email: string, patientId: string) {
    const app = await createApp(api.running, { name, redirectUris: [REDIRECT], resourceScopes: ['launch/patient', 'patient/*.rs'] });
    const browser = new HttpBrowser(api.url);
    const { request, step } = await startAndSignIn(browser, app, REDIRECT, email, { scope: 'openid launch/patient patient/Observation.rs', aud: FHIR });
    const consent = await choose(browser, step, { patient: patientId }, REDIRECT);
    const back: Step = await choose(browser, consent, { decision: 'allow' }, REDIRECT);
    expect(back.kind).toBe('callback');
    const tokens = await exchange(app, back.url, request);
    expect(tokens.patient).toBe(patientId);
    return app.clientId;
  }

  it("lists both apps that received a patient's launch context, and neither under another patient", async () => {
    const patients = [
      { patientId: 'pat-100', displayName: 'Alice Example (born 2019-03-02)' },
      { patientId: 'pat-200', displayName: 'Bob Example (born 2020-11-17)' },
    ];
    const nurse = await createUser(api.running, 'nurse@hospital.test', { fhirUser: 'Practitioner/pr-1', patients });
    const doctor = await createUser(api.running, 'doctor@hospital.test', { fhirUser: 'Practitioner/pr-2', patients });
    const growthCharts = await launch('Growth Charts', 'nurse@hospital.test', 'pat-200');
    const medRec = await launch('Medication Reconciliation', 'doctor@hospital.test', 'pat-200');

    const token = await api.token(['auditor']);
    const list = await api.call('GET', '/admin/v1/compliance/patients/pat-200/disclosures', { token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ clientId: growthCharts, onBehalfOf: nurse.id, breakGlass: false, scopes: expect.arrayContaining(['launch/patient', 'patient/Observation.rs']) }),
      expect.objectContaining({ clientId: medRec, onBehalfOf: doctor.id, breakGlass: false }),
    ]);
    const other = await api.call('GET', '/admin/v1/compliance/patients/pat-100/disclosures', { token });
    expect(other.body.items).toEqual([]);

    const csv = await api.call('GET', '/admin/v1/compliance/patients/pat-200/disclosures?format=csv', { token });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('occurredAt,patientId,clientId,onBehalfOf,scopes,breakGlass,breakGlassSession,encounterId');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"${growthCharts}"`);

    const fhir = await api.call('GET', '/admin/v1/compliance/patients/pat-200/disclosures?format=fhir', { token });
    expect(fhir.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(fhir.body.resourceType).toBe('Bundle');
    expect(fhir.body.entry.map((e: any) => e.resource.resourceType)).toEqual(['AuditEvent', 'AuditEvent']);
    expect(fhir.body.entry[1].resource.entity[0].what.reference).toBe('Patient/pat-200');
    expect(fhir.body.entry[1].resource.agent.map((a: any) => a.who.identifier.value)).toEqual([doctor.id, medRec]);

    const bad = await api.call('GET', '/admin/v1/compliance/patients/not%20a%20patient/disclosures', { token });
    expect(bad.status).toBe(400);
    const reads = await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'compliance.disclosures.exported' AND subject_id = 'pat-200'`);
    expect(reads).toHaveLength(3);
  });
});
