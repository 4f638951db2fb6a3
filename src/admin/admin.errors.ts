import { ModuleError } from '../common/module-error.js';

export enum AdminErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  MFA_REQUIRED = 'MFA_REQUIRED',
  IP_NOT_ALLOWED = 'IP_NOT_ALLOWED',
}

/** The RFC 9449 §7.1 error of a refused DPoP presentation: the token itself, or its proof. */
export type DpopError = 'invalid_token' | 'invalid_dpop_proof';

export class AdminError extends ModuleError<AdminErrorCode> {
  override name = 'AdminError';
  /** Set when the refusal is about DPoP (a DPoP-bound token, or the DPoP scheme): answered with a DPoP challenge. */
  dpopError?: DpopError;
  /**
   * A genuine token refused for how it was obtained (a person's sign-in without a second
   * factor): who was refused, so the refusal is audited like any other 403 (AdminRefusalAudit).
   */
  refused?: { kind: 'client' | 'user'; id: string; clientId: string };
}

/** A 401 answered with `WWW-Authenticate: DPoP ... error="<error>"` (RFC 9449 §7.1). */
export function dpopRefusal(message: string, error: DpopError): AdminError {
  const err = new AdminError(AdminErrorCode.UNAUTHENTICATED, message);
  err.dpopError = error;
  return err;
}
