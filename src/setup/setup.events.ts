/** Events of the first-run setup (#20). No token or password ever appears. */
export interface SetupEvents {
  /** Start-up found no administrator and printed a one-time link (a previous link, if any, is void). */
  'setup.link_issued': { expiresAt: string };
  /** The first super-admin set a password and enrolled a second factor; the link is spent. */
  'setup.completed': { userId: string; email: string };
  /** A setup request was refused: an unknown, used or expired link, or an administrator already exists. */
  'setup.refused': { reason: 'invalid_link' | 'admin_exists' | 'weak_password' | 'invalid_email' | 'wrong_code' };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends SetupEvents {}
}
