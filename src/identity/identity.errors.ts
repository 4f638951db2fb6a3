export enum IdentityErrorCode {
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_USER = 'INVALID_USER',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  EXTERNAL_ID_TAKEN = 'EXTERNAL_ID_TAKEN',
  GROUP_NOT_FOUND = 'GROUP_NOT_FOUND',
  GROUP_NAME_TAKEN = 'GROUP_NAME_TAKEN',
  INVALID_GROUP = 'INVALID_GROUP',
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

/** A unique index of users said no: the email, or the directory's external id, is already another user's. */
export function uniqueViolation(cause: unknown): IdentityError {
  const detail = String((cause as { driverError?: { constraint?: string; detail?: string } }).driverError?.constraint ?? '');
  if (detail.includes('external_id')) {
    return new IdentityError(IdentityErrorCode.EXTERNAL_ID_TAKEN, 'another user has this external id', [{ field: 'externalId', message: 'is already in use' }]);
  }
  return new IdentityError(IdentityErrorCode.EMAIL_TAKEN, 'a user with this email already exists', [{ field: 'email', message: 'is already in use' }]);
}
