import { ModuleError } from '../common/module-error.js';

export enum BreakGlassErrorCode {
  NOT_FOUND = 'NOT_FOUND',
  ALREADY_REVIEWED = 'ALREADY_REVIEWED',
  NOT_ACTIVE = 'NOT_ACTIVE',
}

export class BreakGlassError extends ModuleError<BreakGlassErrorCode> {}
