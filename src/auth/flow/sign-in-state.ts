/**
 * The sign-in as data: what this interaction has proven and where it stands. Factors are the
 * ones proven *in this interaction* (RFC 8176 names where there is one), never what the user
 * merely has on file.
 */
export type Factor = 'pwd' | 'otp' | 'hwk' | 'swk' | 'recovery' | 'fed' | 'emergency';

/** The stages a sign-in passes through; each /interaction route serves exactly one. */
export const STAGES = ['identify', 'emergency_challenge', 'challenge', 'enrolment_code', 'enrol', 'recovery_codes', 'consent', 'finish', 'denied'] as const;
export type Stage = (typeof STAGES)[number];

export const FIRST_FACTORS: readonly Factor[] = ['pwd', 'fed', 'emergency'];
export const SECOND_FACTORS: readonly Factor[] = ['otp', 'hwk', 'swk', 'recovery'];

export interface SignInState {
  /** Factors proven in this interaction. */
  proven: readonly Factor[];
  /** The user has a confirmed second factor on file (so enrolment is not due). */
  hasFactor: boolean;
  /** A factor was enrolled and proven in this interaction (the only time recovery codes are shown). */
  enrolled: boolean;
  /** The recovery codes of this interaction's enrolment were shown and the person went on. */
  recoveryCodesDone?: boolean;
  /** invite-only: an administrator's one-time enrolment code was presented in this interaction, or the user holds a setup-link allowance. */
  enrolmentAllowed?: boolean;
  /** invite-only: an administrator issued the user an enrolment code not used yet. */
  enrolmentCodePending?: boolean;
  /** Wrong second-factor answers in this interaction. */
  failures: number;
  /** The upstream IdP already proved a second factor the deployment trusts. */
  upstreamMfa?: boolean;
}

export interface FlowPolicy {
  /** mfaRequired(...) for this user and client (mfa/mfa-policy.ts). */
  mfaRequired: boolean;
  maxAttempts: number;
  /** MFA_ENROLMENT: who may enrol a first factor during a sign-in. */
  enrolment: 'at-sign-in' | 'invite-only';
}

export interface FlowClient {
  /** The app asks for something the user has not allowed yet (the consent prompt is open). */
  consentNeeded: boolean;
}

export type DenyReason = 'too_many_attempts' | 'enrolment_not_allowed';
export type Step = { stage: Exclude<Stage, 'denied'> } | { stage: 'denied'; reason: DenyReason };

/** Maps the amr an MFA service returns (RFC 8176) onto the flow's factors. */
export function factorsOf(amr: readonly string[]): Factor[] {
  const known = new Set<string>(['pwd', 'otp', 'hwk', 'swk', 'fed', 'emergency']);
  return [...new Set(amr.filter((m) => known.has(m)) as Factor[])];
}
