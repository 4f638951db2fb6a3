export enum IdentityErrorCode {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_USER = 'INVALID_USER',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
}

export class IdentityError extends Error {
  override name = 'IdentityError';
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
