export enum ApprovalsErrorCode {
  APPROVAL_NOT_FOUND = 'APPROVAL_NOT_FOUND',
  /** Already approved, rejected or expired (or being carried out by another approver). */
  NOT_PENDING = 'NOT_PENDING',
  /** The requester tried to approve or reject their own change. */
  OWN_REQUEST = 'OWN_REQUEST',
  /** Nobody on this instance knows how to carry out the stored act. */
  UNKNOWN_KIND = 'UNKNOWN_KIND',
  /** The approver did not hold super-admin when the change was requested (minted since). */
  APPROVER_NOT_ELIGIBLE = 'APPROVER_NOT_ELIGIBLE',
  /** The approver's credentials changed since the change was requested (possibly seized). */
  APPROVER_CREDENTIALS_CHANGED = 'APPROVER_CREDENTIALS_CHANGED',
}

export class ApprovalsError extends Error {
  override name = 'ApprovalsError';
  constructor(
    readonly code: ApprovalsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
