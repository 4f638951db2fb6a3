export enum KeysErrorCode {
  KEK_MISMATCH = 'KEK_MISMATCH',
  UNSEAL_FAILED = 'UNSEAL_FAILED',
  NO_ACTIVE_KEY = 'NO_ACTIVE_KEY',
  KEY_NOT_FOUND = 'KEY_NOT_FOUND',
  KEY_ALREADY_EXISTS = 'KEY_ALREADY_EXISTS',
  INVALID_STATE = 'INVALID_STATE',
  INVALID_KEY = 'INVALID_KEY',
  INVALID_SCHEDULE = 'INVALID_SCHEDULE',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
}

export class KeysError extends Error {
  override name = 'KeysError';
  constructor(
    readonly code: KeysErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options);
    this.field = options?.field;
  }

  /** The input field at fault, for errors caused by a request (imports, schedules). */
  readonly field?: string;
}
