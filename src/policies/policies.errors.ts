export enum PoliciesErrorCode {
  INVALID_POLICY = 'INVALID_POLICY',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
}

export class PoliciesError extends Error {
  override name = 'PoliciesError';
  constructor(
    readonly code: PoliciesErrorCode,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
