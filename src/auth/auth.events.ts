/** Events the auth module emits. Reasons are codes; a password never appears. */
export type LoginFailureReason =
  | 'unknown_user'
  | 'bad_password'
  | 'disabled'
  | 'locked'
  | 'no_password'
  | 'ip_throttled'
  | 'account_throttled'
  | 'csrf'
  | 'invalid_input';

export interface AuthEvents {
  'auth.login.succeeded': { userId: string; clientId: string | null; interactionUid: string; ip: string | null; amr: string[] };
  'auth.login.failed': {
    reason: LoginFailureReason;
    /** Present only when the email belongs to an account (for the audit trail, never shown to the user). */
    userId: string | null;
    clientId: string | null;
    interactionUid: string;
    ip: string | null;
  };
}
