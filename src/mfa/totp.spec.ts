import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { isReplay, matchTotpStep, newTotpSecret, otpauthUri } from './totp.js';

describe('TOTP (RFC 6238)', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 10, 28, 12, 0, 10);
  const step = Math.floor(now / 1000 / 30);
  const code = (offset: number) => generate({ secret, epoch: Math.floor(now / 1000) + offset * 30 });

  it('accepts the current step and one either side, nothing further', async () => {
    expect(matchTotpStep(secret, await code(0), now)).toBe(step);
    expect(matchTotpStep(secret, await code(-1), now)).toBe(step - 1);
    expect(matchTotpStep(secret, await code(1), now)).toBe(step + 1);
    expect(matchTotpStep(secret, await code(-2), now)).toBeNull();
    expect(matchTotpStep(secret, await code(2), now)).toBeNull();
  });

  it('refuses malformed codes without computing', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 345']) expect(matchTotpStep(secret, bad, now)).toBeNull();
  });

  it('treats a step not later than the last accepted one as a replay', () => {
    expect(isReplay(10, null)).toBe(false);
    expect(isReplay(10, 9)).toBe(false);
    expect(isReplay(10, 10)).toBe(true);
    expect(isReplay(9, 10)).toBe(true);
  });

  it('describes the factor for authenticator apps: SHA1, 6 digits, 30 s', () => {
    const uri = new URL(otpauthUri(secret, 'St. Example', 'dr@hospital.org'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('issuer')).toBe('St. Example');
  });
});
