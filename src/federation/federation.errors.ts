import type { FederationFailureReason } from './federation.events.js';

export enum FederationErrorCode {
  IDP_NOT_FOUND = 'IDP_NOT_FOUND',
  IDP_ALREADY_EXISTS = 'IDP_ALREADY_EXISTS',
  /** The IdP changed since the version the caller read (compare-and-swap lost). */
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  INVALID_IDP = 'INVALID_IDP',
  /** An upstream sign-in could not complete; `reason` says why (shown as a readable page). */
  SIGN_IN_FAILED = 'SIGN_IN_FAILED',
}

export class FederationError extends Error {
  override name = 'FederationError';
  readonly fields: Array<{ field: string; message: string }>;
  constructor(
    readonly code: FederationErrorCode,
    message: string,
    options?: { cause?: unknown; fields?: Array<{ field: string; message: string }>; reason?: FederationFailureReason; userId?: string },
  ) {
    super(message, options);
    this.fields = options?.fields ?? [];
    this.reason = options?.reason;
    this.userId = options?.userId;
  }
  readonly reason?: FederationFailureReason;
  /** The local user the upstream account maps to, when the failure came after that was known. */
  readonly userId?: string;
}
