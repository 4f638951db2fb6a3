import { describe, expect, it } from 'vitest';
import { isDesignated, justificationProblem, strongestFactor } from './breakglass-rules.js';
import { emergencySessionTtl, emergencyTokenTtl, isEmergencyAmr } from '../oidc/provider-lifetimes.js';

describe('emergency access rules', () => {
  it.each([
    [undefined, 'Type the reason for emergency access.'],
    ['   too short      ', 'The reason must be at least 20 characters.'],
    ['x'.repeat(1001), 'The reason must be at most 1000 characters.'],
    ['Code blue in ICU, IdP is down', null],
  ])('justification %j -> %j', (input, expected) => {
    expect(justificationProblem(input)).toBe(expected);
  });

  it.each([
    [['totp', 'webauthn'], 'webauthn'],
    [['totp'], 'totp'],
    [[], null],
  ] as const)('strongest of %j is %j', (types, expected) => {
    expect(strongestFactor(types)).toBe(expected);
  });

  it('lets only holders of the designated role break the glass', () => {
    expect(isDesignated(['clinician', 'breakglass'], 'breakglass')).toBe(true);
    expect(isDesignated(['clinician'], 'breakglass')).toBe(false);
  });

  it('ends an emergency session at login + its length, however it is used, never later than a normal one', () => {
    const config = { ttl: { sessionIdle: 900, sessionAbsolute: 12 * 3600 }, breakGlass: { sessionSeconds: 3600 } } as never;
    const login = 1_800_000_000;
    expect(emergencySessionTtl(config, login, login * 1000)).toBe(900);
    expect(emergencySessionTtl(config, login, (login + 3000) * 1000)).toBe(600);
    expect(emergencySessionTtl(config, login, (login + 4000) * 1000)).toBe(1);
    expect(isEmergencyAmr(['pwd', 'otp', 'mfa', 'emergency'])).toBe(true);
    expect(isEmergencyAmr(['pwd', 'otp', 'mfa'])).toBe(false);
  });

  it.each([
    ['a normal sign-in keeps the normal lifetime', { amr: ['pwd', 'otp', 'mfa'], authTime: 1_800_000_000 }, 0, 600],
    ['no sign-in (client credentials) keeps it too', undefined, 0, 600],
    ['early in an emergency session: the normal lifetime', { amr: ['pwd', 'otp', 'mfa', 'emergency'], authTime: 1_800_000_000 }, 60, 600],
    ['one minute before its end: one minute', { amr: ['pwd', 'otp', 'mfa', 'emergency'], authTime: 1_800_000_000 }, 3540, 60],
    ['after its end: the least the provider can issue', { amr: ['emergency'], authTime: 1_800_000_000 }, 4000, 1],
  ])('caps token lifetimes at the emergency session: %s', (_name, signIn, elapsed, expected) => {
    const config = { ttl: { sessionIdle: 3600, sessionAbsolute: 12 * 3600 }, breakGlass: { sessionSeconds: 3600 } } as never;
    expect(emergencyTokenTtl(config, signIn, 600, (1_800_000_000 + elapsed) * 1000)).toBe(expected);
  });
});
