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
  /** A route of one sign-in stage was asked for while the interaction stood at another (#16). */
  'auth.flow.refused': {
    interactionUid: string;
    userId: string | null;
    clientId: string | null;
    /** The route, relative to /interaction/:uid. */
    route: string;
    /** The stage(s) the route serves, `|`-separated. */
    stageAsked: string;
    stageHeld: string;
    ip: string | null;
  };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends AuthEvents {}
}
