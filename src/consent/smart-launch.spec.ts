import { describe, expect, it } from 'vitest';
import { launchRefusal, launchTokenParameters, launchUserMatches, type StoredLaunch } from './smart-launch.js';

const FHIR = 'https://fhir.hospital.test/r4';
const NOW = new Date('2026-12-02T12:00:00Z');
const USER = '7d0f4c52-5b0e-4b5e-9d57-0d7c1a4f3e21';

const launch = (over: Partial<StoredLaunch> = {}): StoredLaunch => ({
  id: 'l-1',
  clientId: 'growth-charts',
  fhirBase: FHIR,
  userId: null,
  fhirUser: 'Practitioner/pr-1',
  context: { patient: 'pat-1', encounter: 'enc-1', fhirContext: [], intent: null, needPatientBanner: null, smartStyleUrl: null },
  createdAt: new Date(NOW.getTime() - 60_000),
  expiresAt: new Date(NOW.getTime() + 60_000),
  usedAt: null,
  ...over,
});

describe('launchRefusal', () => {
  const cases: Array<[string, StoredLaunch | null, { clientId?: string; aud?: string }, string | null]> = [
    ['a good launch', launch(), {}, null],
    ['aud with a trailing slash', launch(), { aud: `${FHIR}/` }, null],
    ['unknown', null, {}, 'unknown'],
    ['expired at its instant', launch({ expiresAt: NOW }), {}, 'expired'],
    ['used', launch({ usedAt: NOW }), {}, 'used'],
    ['expired and used: expired first', launch({ usedAt: NOW, expiresAt: NOW }), {}, 'expired'],
    ['another client', launch(), { clientId: 'med-rec' }, 'other_client'],
    ['another FHIR server', launch(), { aud: 'https://fhir.hospital.test/dstu2' }, 'other_fhir_base'],
    ['no aud', launch(), { aud: '' }, 'other_fhir_base'],
  ];
  it.each(cases)('%s', (_name, stored, request, expected) => {
    expect(launchRefusal(stored, { clientId: request.clientId ?? 'growth-charts', aud: request.aud ?? FHIR, now: NOW })).toBe(expected);
  });
});

describe('launchUserMatches', () => {
  const cases: Array<[string, Partial<StoredLaunch>, { id?: string; fhirUser: string | null }, boolean]> = [
    ['the fhirUser named', {}, { fhirUser: 'Practitioner/pr-1' }, true],
    ['the fhirUser named, absolute on the launch FHIR base', {}, { fhirUser: `${FHIR}/Practitioner/pr-1` }, true],
    ['another fhirUser', {}, { fhirUser: 'Practitioner/pr-2' }, false],
    ['no fhirUser at all', {}, { fhirUser: null }, false],
    ['the local user named', { fhirUser: null, userId: USER }, { fhirUser: null }, true],
    ['another local user', { fhirUser: null, userId: USER }, { id: '00000000-0000-4000-8000-000000000000', fhirUser: null }, false],
    ['both named, both hold', { userId: USER }, { fhirUser: 'Practitioner/pr-1' }, true],
    ['both named, fhirUser differs', { userId: USER }, { fhirUser: 'Practitioner/pr-9' }, false],
    ['nobody named (fail closed)', { fhirUser: null, userId: null }, { fhirUser: 'Practitioner/pr-1' }, false],
  ];
  it.each(cases)('%s', (_name, over, account, expected) => {
    expect(launchUserMatches(launch(over), { id: account.id ?? USER, fhirUser: account.fhirUser })).toBe(expected);
  });
});

describe('launchTokenParameters', () => {
  it('gives only what the EHR set, with SMART names', () => {
    expect(launchTokenParameters(launch().context)).toEqual({ patient: 'pat-1', encounter: 'enc-1' });
    const full = { patient: 'p', encounter: null, fhirContext: [{ reference: 'Observation/1' }], intent: 'x', needPatientBanner: false, smartStyleUrl: 'https://s.test/s.json' };
    expect(launchTokenParameters(full)).toEqual({ patient: 'p', fhirContext: [{ reference: 'Observation/1' }], intent: 'x', need_patient_banner: false, smart_style_url: 'https://s.test/s.json' });
  });
});

describe('smart-configuration and EHR launch', () => {
  it('advertises launch-ehr and the EHR contexts only when EHR launch is enabled', async () => {
    const { smartConfiguration } = await import('./smart-configuration.js');
    const off = smartConfiguration('https://id.test', { management: '/account/apps' }) as { capabilities: string[]; scopes_supported: string[] };
    expect(off.capabilities).not.toEqual(expect.arrayContaining(['launch-ehr']));
    expect(off.capabilities.filter((c) => c.includes('ehr'))).toEqual([]);
    expect(off.scopes_supported).not.toContain('launch');
    const on = smartConfiguration('https://id.test', { management: '/account/apps' }, { ehrLaunch: true }) as { capabilities: string[]; scopes_supported: string[] };
    expect(on.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'context-ehr-patient', 'context-ehr-encounter', 'launch-standalone']));
    expect(on.scopes_supported).toContain('launch');
  });
});
