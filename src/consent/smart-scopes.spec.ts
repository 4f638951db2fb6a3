import { describe, expect, it } from 'vitest';
import { isCoveredBy, isWithin, parseScope, shapeScopes, toV2, type ClinicalScope } from './smart-scopes.js';

const clinical = (token: string): ClinicalScope => {
  const parsed = parseScope(token);
  if (parsed.kind !== 'clinical') throw new Error(`${token} is not a clinical scope (${parsed.kind})`);
  return parsed;
};

describe('SMART scope parsing', () => {
  it.each([
    ['patient/Observation.rs', 'patient', 'Observation', 'rs', false],
    ['user/*.cruds', 'user', '*', 'cruds', false],
    ['system/Patient.r', 'system', 'Patient', 'r', false],
    ['patient/Observation.read', 'patient', 'Observation', 'rs', true],
    ['patient/Observation.write', 'patient', 'Observation', 'cud', true],
    ['patient/*.*', 'patient', '*', 'cruds', true],
    ['user/MedicationRequest.cu', 'user', 'MedicationRequest', 'cu', false],
    ['patient/Immunization.s', 'patient', 'Immunization', 's', false],
  ])('%s is a clinical scope', (token, context, resource, permissions, v1) => {
    expect(parseScope(token)).toMatchObject({ kind: 'clinical', context, resource, permissions, v1 });
  });

  it('reads query constraints of v2 scopes', () => {
    expect(clinical('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory').query).toEqual([
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory'],
    ]);
    expect(clinical('user/Observation.rs?category=laboratory&code=1234-5').query).toEqual([
      ['category', 'laboratory'],
      ['code', '1234-5'],
    ]);
  });

  it.each([
    ['patient/Observation', 'no permissions'],
    ['patient/Observation.', 'empty permissions'],
    ['patient/Observation.sr', 'permissions out of order'],
    ['patient/Observation.dus', 'permissions out of order (the specification’s own example)'],
    ['patient/Observation.rr', 'a repeated permission'],
    ['patient/Observation.rsx', 'an unknown permission'],
    ['patient/Observation.r*', 'a wildcard mixed into permissions'],
    ['user/*.READ', 'upper-case v1 permissions'],
    ['patient/observation.rs', 'a lower-case resource type'],
    ['patient/.rs', 'an empty resource type'],
    ['patient/Obs-ervation.rs', 'a resource type with punctuation'],
    ['patient/Observation.read?category=laboratory', 'constraints on a v1 scope'],
    ['patient/Observation.rs?', 'an empty query'],
    ['patient/Observation.rs?category', 'a constraint without a value'],
    ['patient/Observation.rs?category=', 'a constraint with an empty value'],
    ['patient/Observation.rs?=laboratory', 'a constraint without a name'],
    ['patient/Observation.rs?category=a=b', 'a constraint with two equals signs'],
    ['launch/', 'a launch context without a name'],
    ['launch/Patient', 'an upper-case launch context'],
  ])('%s is malformed (%s)', (token) => {
    expect(parseScope(token).kind).toBe('malformed');
  });

  it.each(['openid', 'fhirUser', 'offline_access', 'admin:auditor', 'practitioner/Observation.rs', 'patients/Observation.rs'])(
    '%s is not a SMART scope',
    (token) => expect(parseScope(token).kind).toBe('other'),
  );

  it('tells launch scopes apart', () => {
    expect(parseScope('launch')).toEqual({ kind: 'ehr-launch', token: 'launch' });
    expect(parseScope('launch/patient')).toMatchObject({ kind: 'launch-context', context: 'patient' });
    expect(parseScope('launch/encounter')).toMatchObject({ kind: 'launch-context', context: 'encounter' });
  });
});

describe('v1 to v2 mapping', () => {
  it.each([
    ['patient/Observation.read', 'patient/Observation.rs'],
    ['patient/Observation.write', 'patient/Observation.cud'],
    ['user/*.read', 'user/*.rs'],
    ['user/*.write', 'user/*.cud'],
    ['system/*.*', 'system/*.cruds'],
    ['patient/Observation.rs', 'patient/Observation.rs'],
    ['patient/Observation.rs?category=laboratory', 'patient/Observation.rs?category=laboratory'],
    ['openid', 'openid'],
  ])('%s → %s', (v1, v2) => expect(toV2(v1)).toBe(v2));
});

describe('subset (isWithin)', () => {
  it.each([
    ['patient/Observation.rs', 'patient/*.rs', true],
    ['patient/*.cruds', 'patient/Observation.rs', false],
    ['patient/*.rs', 'patient/*.cruds', true],
    ['patient/Observation.r', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/Observation.r', false],
    ['patient/Observation.rs', 'user/Observation.rs', false],
    ['user/Observation.rs', 'patient/Observation.rs', false],
    ['system/*.rs', 'system/*.cruds', true],
    ['user/*.rs', 'user/Observation.rs', false],
    ['patient/Observation.rs', 'patient/Condition.rs', false],
    ['patient/Observation.read', 'patient/*.rs', true],
    ['patient/Observation.write', 'patient/*.rs', false],
    ['patient/Observation.cud', 'patient/Observation.write', true],
    ['patient/Observation.d', 'patient/*.*', true],
    ['patient/Observation.rs?category=laboratory', 'patient/Observation.rs', true],
    ['patient/Observation.rs', 'patient/Observation.rs?category=laboratory', false],
    ['patient/Observation.rs?category=laboratory&code=1', 'patient/Observation.rs?category=laboratory', true],
    ['patient/Observation.rs?category=vital-signs', 'patient/Observation.rs?category=laboratory', false],
    ['patient/Observation.rs?code=1&category=laboratory', 'patient/Observation.rs?category=laboratory&code=1', true],
  ])('%s within %s: %s', (inner, outer, expected) => {
    expect(isWithin(clinical(inner), clinical(outer))).toBe(expected);
  });
});

describe('narrowing a request to a ceiling (shapeScopes)', () => {
  const cases: Array<[string, string[], string[], string[]]> = [
    ['a wildcard asked, specific types allowed', ['patient/*.cruds'], ['patient/Observation.rs', 'patient/Patient.r'], ['patient/Observation.rs', 'patient/Patient.r']],
    ['a type inside an allowed wildcard', ['patient/Observation.rs'], ['patient/*.rs'], ['patient/Observation.rs']],
    ['a v1 scope inside the ceiling stays v1', ['patient/Observation.read'], ['patient/*.rs'], ['patient/Observation.read']],
    ['a v1 scope narrowed becomes v2', ['patient/Observation.*'], ['patient/*.rs'], ['patient/Observation.rs']],
    ['v1 write against a read ceiling', ['patient/Observation.write'], ['patient/*.rs'], []],
    ['write permissions removed, read kept', ['patient/Condition.cruds'], ['patient/Condition.rs'], ['patient/Condition.rs']],
    ['another context never matches', ['user/*.cruds'], ['patient/*.rs'], []],
    ['no ceiling, no clinical scope', ['patient/Observation.rs'], [], []],
    ['a constrained request keeps its constraint', ['patient/Observation.rs?category=laboratory'], ['patient/Observation.r'], ['patient/Observation.r?category=laboratory']],
    ['a constrained ceiling adds its constraint', ['patient/Observation.rs'], ['patient/Observation.rs?category=laboratory'], ['patient/Observation.rs?category=laboratory']],
    ['maximal pieces only', ['patient/*.cruds'], ['patient/*.rs', 'patient/Observation.r'], ['patient/*.rs']],
    ['two incomparable pieces both kept', ['patient/*.rs'], ['patient/*.r', 'patient/Observation.rs'], ['patient/*.r', 'patient/Observation.rs']],
    ['backend services inside the ceiling', ['system/*.rs'], ['system/*.cruds'], ['system/*.rs']],
    ['backend services narrowed', ['system/*.cruds'], ['system/Observation.rs', 'system/Patient.rs'], ['system/Observation.rs', 'system/Patient.rs']],
    ['duplicates asked once', ['patient/Observation.rs', 'patient/Observation.rs'], ['patient/*.rs'], ['patient/Observation.rs']],
    ['launch/patient kept when allowed', ['launch/patient'], ['launch/patient'], ['launch/patient']],
    ['launch/patient removed when not allowed', ['launch/patient'], ['patient/*.rs'], []],
    ['EHR launch kept when allowed (its launch parameter is checked at /authorize)', ['launch'], ['launch'], ['launch']],
    ['EHR launch removed when not allowed', ['launch'], ['patient/*.rs'], []],
    ['an unsupported launch context', ['launch/location'], ['launch/location'], []],
    ['fhirUser needs the ceiling', ['openid', 'fhirUser'], [], ['openid']],
    ['fhirUser kept when allowed', ['openid', 'fhirUser'], ['fhirUser'], ['openid', 'fhirUser']],
    ['online_access needs the ceiling', ['online_access'], [], []],
    ['OpenID Connect scopes untouched', ['openid', 'profile', 'email', 'offline_access'], [], ['openid', 'profile', 'email', 'offline_access']],
    ['API scopes left to their resource server', ['admin:auditor'], [], ['admin:auditor']],
  ];

  it.each(cases)('%s', (_name, requested, ceiling, expected) => {
    const shaped = shapeScopes(requested, ceiling);
    expect(shaped.scopes).toEqual(expected);
    expect(shaped.malformed).toEqual([]);
  });

  it.each(cases)('never widens: %s', (_name, requested, ceiling) => {
    const granted = shapeScopes(requested, ceiling).scopes.map(parseScope).filter((s): s is ClinicalScope => s.kind === 'clinical');
    for (const scope of granted) {
      expect(requested.map(parseScope).some((r) => r.kind === 'clinical' && isWithin(scope, r)), `${scope.token} inside the request`).toBe(true);
      expect(ceiling.map(parseScope).some((c) => c.kind === 'clinical' && isWithin(scope, c)), `${scope.token} inside the ceiling`).toBe(true);
    }
  });

  it('reports malformed SMART scopes instead of dropping them into something else', () => {
    const shaped = shapeScopes(['openid', 'patient/Observation.rx', 'patient/*.rs', 'user/Observation.read?x=1'], ['patient/*.cruds']);
    expect(shaped.malformed).toEqual(['patient/Observation.rx', 'user/Observation.read?x=1']);
    expect(shaped.scopes).toEqual(['openid', 'patient/*.rs']);
  });

  it('lists what the narrowing removed', () => {
    const shaped = shapeScopes(['openid', 'patient/*.cruds', 'launch'], ['patient/Observation.rs']);
    expect(shaped.removed).toEqual(['patient/*.cruds', 'launch']);
  });
});

describe('coverage of a request by a grant (isCoveredBy)', () => {
  it.each([
    [['patient/Observation.rs'], ['patient/*.rs'], true],
    [['patient/*.rs'], ['patient/Observation.rs'], false],
    [['openid', 'fhirUser'], ['openid'], false],
    [['openid', 'patient/Observation.r'], ['openid', 'patient/Observation.rs'], true],
    [['launch/patient'], ['launch/patient', 'openid'], true],
    [[], [], true],
  ])('%j covered by %j: %s', (requested, granted, expected) => {
    expect(isCoveredBy(requested, granted)).toBe(expected);
  });
});
