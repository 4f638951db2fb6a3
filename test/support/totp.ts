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
