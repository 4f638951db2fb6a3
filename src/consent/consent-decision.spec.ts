import { describe, expect, it } from 'vitest';
import { choosePatient, consentRoute, isConsentSatisfied, launchNeeds, mergeScopes, missingFrom, type ScopeSet } from './consent-decision.js';

const FHIR = 'https://fhir.example/r4';
const now = new Date('2030-01-01T00:00:00Z');
const later = new Date('2030-02-01T00:00:00Z');
const earlier = new Date('2029-12-01T00:00:00Z');
const set = (oidc: string[], fhir: string[] = [], claims: string[] = []): ScopeSet => ({
  oidcScopes: oidc,
  oidcClaims: claims,
  resourceScopes: fhir.length ? { [FHIR]: fhir } : {},
});
const record = (granted: ScopeSet, expiresAt = later, revokedAt: Date | null = null) => ({ granted, expiresAt, revokedAt });

describe('isConsentSatisfied', () => {
  it.each([
    ['no earlier consent', null, set(['openid']), false],
    ['everything missing was granted', record(set(['openid', 'fhirUser'], ['patient/*.rs'])), set(['fhirUser'], ['patient/Observation.rs']), true],
    ['a resource scope outside the grant', record(set(['openid'], ['patient/Observation.rs'])), set([], ['patient/*.rs']), false],
    ['an OpenID scope not granted', record(set(['openid'])), set(['email']), false],
    ['a claim not granted', record(set(['openid'], [], ['email'])), set([], [], ['name']), false],
    ['an expired consent', record(set(['openid']), earlier), set(['openid']), false],
    ['a revoked consent', record(set(['openid']), later, earlier), set(['openid']), false],
    ['another resource than granted', record(set([], ['patient/*.rs'])), { oidcScopes: [], oidcClaims: [], resourceScopes: { 'https://other/': ['patient/*.rs'] } }, false],
  ])('%s', (_name, rec, missing, expected) => {
    expect(isConsentSatisfied(rec, missing, now)).toBe(expected);
  });
});

describe('consentRoute', () => {
  const covering = record(set(['openid']));
  it.each([
    ['first-party skips even with prompt=consent', true, true, null, 'first_party'],
    ['prompt=consent asks although covered', false, true, covering, 'ask'],
    ['covered finishes silently', false, false, covering, 'covered'],
    ['nothing on record asks', false, false, null, 'ask'],
  ] as const)('%s', (_name, firstParty, promptRequested, rec, expected) => {
    expect(consentRoute({ firstParty, promptRequested, record: rec, missing: set(['openid']), now })).toBe(expected);
  });
});

describe('launch context', () => {
  it.each([
    [['openid'], { patient: false, encounter: false }],
    [['launch/patient'], { patient: true, encounter: false }],
    [['patient/Observation.rs'], { patient: true, encounter: false }],
    [['user/Observation.rs', 'launch/encounter'], { patient: false, encounter: true }],
  ])('%j needs %j', (scopes, needs) => expect(launchNeeds(scopes)).toEqual(needs));

  const alice = { patientId: 'a', displayName: 'Alice', encounterId: null };
  const bob = { patientId: 'b', displayName: 'Bob', encounterId: 'e' };
  it.each([
    ['not needed', false, [alice, bob], undefined, { kind: 'not-needed' }],
    ['none to open', true, [], undefined, { kind: 'none-available' }],
    ['one option is chosen without asking', true, [alice], undefined, { kind: 'chosen', patient: alice }],
    ['several are offered', true, [alice, bob], undefined, { kind: 'pick', patients: [alice, bob] }],
    ['a valid selection', true, [alice, bob], 'b', { kind: 'chosen', patient: bob }],
    ['a selection that is not an option is ignored', true, [alice, bob], 'mallory', { kind: 'pick', patients: [alice, bob] }],
  ] as const)('%s', (_name, needed, options, selected, expected) => {
    expect(choosePatient(needed, options, selected)).toEqual(expected);
  });
});

describe('scope sets', () => {
  it('reads what the provider says is missing', () => {
    expect(missingFrom({ missingOIDCScope: ['openid'], missingResourceScopes: { [FHIR]: ['patient/*.rs'] } })).toEqual(set(['openid'], ['patient/*.rs']));
    expect(missingFrom(undefined)).toEqual(set([]));
  });

  it('merges grants without repeating a scope', () => {
    expect(mergeScopes(set(['openid'], ['patient/Observation.rs']), set(['openid', 'fhirUser'], ['patient/Patient.r']))).toEqual(
      set(['openid', 'fhirUser'], ['patient/Observation.rs', 'patient/Patient.r']),
    );
  });
});
