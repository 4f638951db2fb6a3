import { ModuleError } from '../common/module-error.js';

export enum AdminErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  MFA_REQUIRED = 'MFA_REQUIRED',
  IP_NOT_ALLOWED = 'IP_NOT_ALLOWED',
}

export class AdminError extends ModuleError<AdminErrorCode> {
  override name = 'AdminError';
}
