import { describe, expect, it } from 'vitest';
import { applyPatch, changedPolicyFields, highRiskPolicyFields, policyDocumentSchema, weakenedPolicyFields, type PolicyDocument } from './policies.schemas.js';

const defaults: PolicyDocument = {
  password: { minLength: 12, maxLength: 128 },
  mfa: { policy: 'required', alwaysRoles: ['super-admin'] },
  lifetimes: {
    accessToken: 600,
    idToken: 600,
    clientCredentials: 600,
    authorizationCode: 60,
    refreshTokenIdle: 1800,
    refreshTokenAbsolute: 43200,
    sessionIdle: 900,
    sessionAbsolute: 43200,
  },
  lockout: { threshold: 5, durationSeconds: 900, ipFailureBudget: 50 },
  admin: { dualControl: false },
};

const next = (patch: Parameters<typeof applyPatch>[1]) => policyDocumentSchema.parse(applyPatch(defaults, patch));

describe('runtime policy rules', () => {
  it.each([
    [{ lifetimes: { accessToken: 300 } }, []],
    [{ lifetimes: { accessToken: 1200 } }, ['lifetimes.accessToken']],
    [{ password: { minLength: 16 } }, []],
    [{ mfa: { policy: 'optional' } }, ['mfa.policy']],
    [{ lockout: { threshold: 10, durationSeconds: 60 } }, ['lockout.threshold', 'lockout.durationSeconds']],
  ])('%j weakens %j', (patch, weakened) => {
    expect(weakenedPolicyFields(defaults, next(patch))).toEqual(weakened);
  });

  it.each([
    [{ password: { minLength: 11 } }, 'password.minLength'],
    [{ password: { maxLength: 129 } }, 'password.maxLength'],
    [{ password: { minLength: 20, maxLength: 16 } }, 'password.maxLength'],
    [{ lifetimes: { sessionAbsolute: 24 * 3600 + 1 } }, 'lifetimes.sessionAbsolute'],
    [{ lifetimes: { refreshTokenIdle: 7200, refreshTokenAbsolute: 3600 } }, 'lifetimes.refreshTokenIdle'],
    [{ lifetimes: { authorizationCode: 1.5 } }, 'lifetimes.authorizationCode'],
    [{ lockout: { threshold: 2 } }, 'lockout.threshold'],
    [{ mfa: { alwaysRoles: ['Super Admin'] } }, 'mfa.alwaysRoles.0'],
  ])('%j is refused at %s', (patch, field) => {
    const result = policyDocumentSchema.safeParse(applyPatch(defaults, patch as Parameters<typeof applyPatch>[1]));
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('names the changed fields only', () => {
    expect(changedPolicyFields(defaults, next({ lifetimes: { accessToken: 600, idToken: 300 } }))).toEqual(['lifetimes.idToken']);
  });

  it.each([
    [{ mfa: { policy: 'optional' } }, ['mfa.policy']],
    [{ mfa: { alwaysRoles: [] } }, ['mfa.alwaysRoles']],
    [{ mfa: { alwaysRoles: ['super-admin', 'key-admin'] } }, []],
    [{ lifetimes: { accessToken: 3600 } }, []],
    [{ admin: { dualControl: true } }, []],
  ])('dual control holds %j for %j', (patch, fields) => {
    expect(highRiskPolicyFields(defaults, next(patch as Parameters<typeof applyPatch>[1]))).toEqual(fields);
  });

  it('holds turning dual control off, not turning it on', () => {
    const on = next({ admin: { dualControl: true } });
    expect(highRiskPolicyFields(on, policyDocumentSchema.parse(applyPatch(on, { admin: { dualControl: false } })))).toEqual(['admin.dualControl']);
  });
});
