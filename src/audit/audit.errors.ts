import { ModuleError } from '../common/module-error.js';

export enum AuditErrorCode {
  /** The record could not be appended: the action that caused it must fail (fail closed). */
  WRITE_FAILED = 'WRITE_FAILED',
  EMPTY_TRAIL = 'EMPTY_TRAIL',
  RECORD_NOT_FOUND = 'RECORD_NOT_FOUND',
  CHECKPOINT_NOT_FOUND = 'CHECKPOINT_NOT_FOUND',
  CHECKPOINT_PURGED = 'CHECKPOINT_PURGED',
  RETENTION_NOT_REACHED = 'RETENTION_NOT_REACHED',
  SIGNING_FAILED = 'SIGNING_FAILED',
}

export class AuditError extends ModuleError<AuditErrorCode> {
  override name = 'AuditError';
}
