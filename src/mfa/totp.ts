import { Secret, TOTP } from 'otpauth';

/**
 * TOTP after RFC 6238 with what every authenticator app understands: SHA-1, 6 digits, 30 s.
 * Rules: a code is accepted one step either side of now (clock drift), and only for a step
 * later than the last one accepted for that factor (no replay inside the window).
 */
export const TOTP_PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD }).toString();
}

/** The time step the code belongs to, or null when it matches no step in the window. */
export function matchTotpStep(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const secret = Secret.fromBase32(secretBase32);
  const delta = TOTP.validate({ token: code, secret, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD, timestamp: now, window: 1 });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD, timestamp: now }) + delta;
}

export function isReplay(step: number, lastAcceptedStep: number | null): boolean {
  return lastAcceptedStep !== null && step <= lastAcceptedStep;
}
