export { MfaModule } from './mfa.module.js';
export { MfaService, normaliseRecoveryCode, type FactorSummary, type TotpEnrolment, type SecondFactorResult } from './mfa.service.js';
export { EnrolmentCodesService, ENROLMENT_CODE_TTL_SECONDS } from './enrolment-codes.service.js';
export { EnrolmentAllowancesService, ENROLMENT_ALLOWANCE_TTL_SECONDS } from './enrolment-allowances.service.js';
export { MfaError, MfaErrorCode } from './mfa.errors.js';
export { mfaRequired, mfaRequested, ACR_MFA, ACR_PASSWORD, type MfaPolicyValue } from './mfa-policy.js';
export type { MfaEvents } from './mfa.events.js';
export { MfaChallengeStep } from './mfa-challenge.step.js';
export { SecondFactorLockout, lockedMessage, type LockState } from './second-factor-lockout.js';
