import { FIRST_FACTORS, SECOND_FACTORS, type FlowClient, type FlowPolicy, type SignInState, type Step } from './sign-in-state.js';

/**
 * The dispatcher's decision, pure: from what this interaction has proven, the policy and the
 * app, the step that comes next. Rules, in order:
 * - the attempts are used up → denied;
 * - no first factor (password, upstream IdP, emergency password) → identify;
 * - the emergency password and reason proven, the user's own factor not yet → the emergency
 *   challenge (whatever the policy: emergency access always asks for the strongest factor);
 * - MFA due and no second factor proven → challenge when the user has a factor; otherwise
 *   enrol when MFA_ENROLMENT=at-sign-in, or an enrolment code was presented here, or the
 *   user holds a setup-link allowance (both recorded as enrolmentAllowed); under
 *   invite-only, the enrolment-code form when an administrator issued one, else denied;
 * - a factor enrolled (and so proven) in this interaction → its recovery codes, once;
 * - the app needs consent → consent; otherwise finish.
 */
export function next(state: SignInState, policy: FlowPolicy, client: FlowClient): Step {
  if (state.failures >= policy.maxAttempts) return { stage: 'denied', reason: 'too_many_attempts' };
  if (!state.proven.some((f) => FIRST_FACTORS.includes(f))) return { stage: 'identify' };
  const second = state.proven.some((f) => SECOND_FACTORS.includes(f)) || Boolean(state.upstreamMfa);
  if (state.proven.includes('emergency') && !state.proven.some((f) => SECOND_FACTORS.includes(f))) return { stage: 'emergency_challenge' };
  if (policy.mfaRequired && !second) {
    if (state.hasFactor) return { stage: 'challenge' };
    if (policy.enrolment === 'at-sign-in' || state.enrolmentAllowed) return { stage: 'enrol' };
    if (state.enrolmentCodePending) return { stage: 'enrolment_code' };
    return { stage: 'denied', reason: 'enrolment_not_allowed' };
  }
  if (state.enrolled && second && !state.recoveryCodesDone) return { stage: 'recovery_codes' };
  return client.consentNeeded ? { stage: 'consent' } : { stage: 'finish' };
}
