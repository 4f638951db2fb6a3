import { ModuleError } from '../common/module-error.js';

export enum MfaErrorCode {
  NO_PENDING_ENROLMENT = 'NO_PENDING_ENROLMENT',
  WRONG_CODE = 'WRONG_CODE',
  REPLAYED_CODE = 'REPLAYED_CODE',
  WEBAUTHN_FAILED = 'WEBAUTHN_FAILED',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
}

export class MfaError extends ModuleError<MfaErrorCode> {
  override name = 'MfaError';
}
