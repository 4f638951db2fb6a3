import { describe, expect, it } from 'vitest';
import { ClientsError, ClientsErrorCode } from '../clients/index.js';
import { MfaStep } from './mfa.step.js';

const user = { id: 'u1', roles: [] };
const lostConnection = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });

/** MfaStep over a deployment policy of `optional`, and a client lookup that answers `lookup`. */
function stepWith(lookup: () => Promise<{ mfaPolicy?: 'required' | 'optional' }>): MfaStep {
  return new MfaStep(
    {} as never,
    { hasFactor: async () => false } as never,
    { get: lookup } as never,
    {} as never,
    { mfaPolicy: async () => ({ policy: 'optional', alwaysRoles: [] }) } as never,
  );
}

describe('MfaStep: the client MFA policy', () => {
  it('a client that requires MFA requires it', async () => {
    await expect(stepWith(async () => ({ mfaPolicy: 'required' })).requiredFor(user, 'app', undefined)).resolves.toBe(true);
  });

  it('fails closed when the client cannot be read: the database error goes on (503), it is not "no policy"', async () => {
    await expect(stepWith(() => Promise.reject(lostConnection)).requiredFor(user, 'app', undefined)).rejects.toBe(lostConnection);
  });

  it('a client that does not exist has no policy of its own (the deployment policy decides)', async () => {
    const missing = () => Promise.reject(new ClientsError(ClientsErrorCode.CLIENT_NOT_FOUND, 'no client app'));
    await expect(stepWith(missing).requiredFor(user, 'app', undefined)).resolves.toBe(false);
  });
});
