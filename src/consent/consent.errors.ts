export enum ConsentErrorCode {
  GRANT_NOT_FOUND = 'GRANT_NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  SCOPE_NOT_FOUND = 'SCOPE_NOT_FOUND',
  RESERVED_SCOPE = 'RESERVED_SCOPE',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
}

/** A consent module error; the admin surface maps each code to a problem (consent.admin.controller.ts). */
export class ConsentError extends Error {
  override name = 'ConsentError';
  constructor(
    readonly code: ConsentErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string; currentVersion?: number },
  ) {
    super(message, options);
    this.field = options?.field;
    this.currentVersion = options?.currentVersion;
  }

  readonly field?: string;
  readonly currentVersion?: number;
}
