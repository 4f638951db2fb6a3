/** Events the MFA module emits. No code, secret or recovery code ever appears. */
export type MfaMethod = 'totp' | 'webauthn' | 'recovery_code';

export interface MfaEvents {
  'mfa.enrolled': { userId: string; factorId: string; type: 'totp' | 'webauthn' };
  'mfa.removed': { userId: string; factorId: string; type: 'totp' | 'webauthn' };
  'mfa.challenge.succeeded': { userId: string; method: MfaMethod; factorId: string | null };
  'mfa.challenge.failed': { userId: string; method: MfaMethod; reason: 'wrong_code' | 'replayed_code' | 'too_many_attempts' | 'verification_failed' };
  'mfa.recovery_code.used': { userId: string; remaining: number };
  'mfa.recovery_codes.generated': { userId: string; count: number };
  'mfa.reset': { userId: string; factorsRemoved: number };
  /** MFA_ENROLMENT=invite-only: an administrator issued a one-time enrolment code (never the code). */
  'mfa.enrolment_code.issued': { userId: string; expiresAt: string };
  'mfa.enrolment_code.used': { userId: string };
  'mfa.enrolment_code.refused': { userId: string };
  /** invite-only: the person set their password through a setup link and has no factor, so may enrol one once. */
  'mfa.enrolment_allowance.granted': { userId: string; expiresAt: string };
  /** The allowance was spent by enrolling a factor. */
  'mfa.enrolment_allowance.used': { userId: string };
  /** A sign-in found the allowance expired; it is gone. */
  'mfa.enrolment_allowance.refused': { userId: string; reason: 'expired' };
  /**
   * The person gained a protected role: their unused enrolment codes and allowance are void, and
   * so is a password no confirmed second factor backs (someone with less authority may know it).
   */
  'mfa.protected_role_credentials_voided': {
    userId: string;
    roles: string[];
    enrolmentCodesVoided: number;
    enrolmentAllowanceVoided: boolean;
    passwordRemoved: boolean;
  };
  /** NIST SP 800-63B 5.2.2: the account's wrong second-factor answers reached the limit; every answer is refused until lockedUntil. */
  'mfa.locked': { userId: string; failures: number; windowSeconds: number; lockedUntil: string };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends MfaEvents {}
}
