/** Events of the account console (#20). No password, code or session cookie ever appears. */
export interface AccountEvents {
  /** A fresh second factor was given in the account console (step-up before a sensitive change). */
  'account.step_up.succeeded': { userId: string; method: 'totp' | 'webauthn' | 'recovery_code' };
  'account.step_up.failed': { userId: string; method: 'totp' | 'webauthn' | 'recovery_code' };
  /** A change of password was refused: the current password was wrong or the new one breaks the policy. */
  'account.password_change.refused': { userId: string; reason: 'wrong_current_password' | 'weak_password' };
  /** A sensitive change was refused for want of a fresh second factor, or a form without a valid CSRF token. */
  'account.change.refused': { userId: string; change: string; reason: 'step_up_required' | 'csrf' };
  /**
   * The person's other sessions were ended (they asked, or their password or factors changed), or
   * all of them, this one included, after MFA_MAX_ATTEMPTS wrong step-ups.
   */
  'account.sessions.ended': { userId: string; ended: number; reason: 'requested' | 'password_changed' | 'factors_changed' | 'step_up_failures' };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends AccountEvents {}
}
