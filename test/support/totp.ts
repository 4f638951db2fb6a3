import type { INestApplicationContext } from '@nestjs/common';
import { generate } from 'otplib';
import { expect } from 'vitest';
import { IdentityService, type NewUser } from '../../src/identity/index.js';
import { MfaService } from '../../src/mfa/index.js';

/**
 * Codes as an authenticator app computes them, with otplib: an implementation independent of
 * the one the service uses (otpauth), so a shared bug cannot make the tests pass.
 * `stepOffset` moves the clock by whole 30-second steps (the service accepts ±1).
 */
export function totpCode(secretBase32: string, stepOffset = 0): Promise<string> {
  return generate({ secret: secretBase32.replace(/\s+/g, ''), epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}

/**
 * A person with a confirmed TOTP factor, created in-process: `secret` computes their codes (the
 * enrolment is confirmed with the previous step's code, so the current one is still unused).
 */
export async function createUserWithTotp(fixture: { app: INestApplicationContext }, user: NewUser) {
  const created = await fixture.app.get(IdentityService).createUser(user);
  const mfa = fixture.app.get(MfaService);
  const enrolment = await mfa.startTotpEnrolment(created.id, user.email);
  expect((await mfa.confirmTotpEnrolment(created.id, enrolment.factorId, await totpCode(enrolment.secret, -1))).ok, 'TOTP enrolment confirmed').toBe(true);
  return { user: created, secret: enrolment.secret, factorId: enrolment.factorId };
}

/**
 * An authenticator app as one person holds it: the service accepts each TOTP step once and only
 * a step later than the last one accepted, so a walk that uses the same factor several times
 * takes the next step still inside the ±1 window, and waits (on the clock, not a fixed sleep)
 * when every step in the window is used up.
 */
export class TotpDevice {
  private last = -Infinity;

  constructor(readonly secret: string) {}

  /** The code of the next unused step (the first one is a step back, as enrolment usually is). */
  async next(): Promise<string> {
    const now = () => Math.floor(Date.now() / 30_000);
    const step = Math.max(this.last + 1, now() - 1);
    while (step > now() + 1) await new Promise((r) => setTimeout(r, 250));
    this.last = step;
    return totpCode(this.secret, step - now());
  }
}
