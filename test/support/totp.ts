import { generate } from 'otplib';

/**
 * Codes as an authenticator app computes them, with otplib: an implementation independent of
 * the one the service uses (otpauth), so a shared bug cannot make the tests pass.
 * `stepOffset` moves the clock by whole 30-second steps (the service accepts ±1).
 */
export function totpCode(secretBase32: string, stepOffset = 0): Promise<string> {
  return generate({ secret: secretBase32.replace(/\s+/g, ''), epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}
