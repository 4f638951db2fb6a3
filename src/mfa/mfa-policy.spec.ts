import { describe, expect, it } from 'vitest';
import { ACR_MFA, mfaRequested, mfaRequired, type MfaDecisionInput } from './mfa-policy.js';

const base: MfaDecisionInput = {
  deploymentPolicy: 'required',
  clientPolicy: undefined,
  userRoles: [],
  alwaysRoles: ['super-admin'],
  mfaRequested: false,
  userHasFactor: false,
};

describe('mfaRequired', () => {
  it.each<[string, Partial<MfaDecisionInput>, boolean]>([
    ['deployment default', {}, true],
    ['deployment optional, nothing else', { deploymentPolicy: 'optional' }, false],
    ['client optional overrides the deployment', { clientPolicy: 'optional' }, false],
    ['client required overrides an optional deployment', { deploymentPolicy: 'optional', clientPolicy: 'required' }, true],
    ['super-admin on an optional client', { clientPolicy: 'optional', userRoles: ['super-admin'] }, true],
    ['another role on an optional client', { clientPolicy: 'optional', userRoles: ['nurse'] }, false],
    ['app asks for the MFA level on an optional client', { clientPolicy: 'optional', mfaRequested: true }, true],
    ['a user who enrolled is challenged even where optional', { deploymentPolicy: 'optional', clientPolicy: 'optional', userHasFactor: true }, true],
  ])('%s', (_label, input, expected) => {
    expect(mfaRequired({ ...base, ...input })).toBe(expected);
  });

  it.each([
    [ACR_MFA, true],
    [`urn:caduceus:acr:pwd ${ACR_MFA}`, true],
    ['urn:caduceus:acr:pwd', false],
    [undefined, false],
    [['x'], false],
  ])('acr_values %j asks for MFA: %s', (acr, expected) => {
    expect(mfaRequested(acr)).toBe(expected);
  });
});
