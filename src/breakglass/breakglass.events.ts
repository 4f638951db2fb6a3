/**
 * Emergency access events. The justification travels with each of them so an investigator
 * reading any one record sees why the session existed.
 */
export interface BreakGlassEvents {
  'breakglass.started': {
    sessionId: string;
    userId: string;
    email: string;
    justification: string;
    factor: 'totp' | 'webauthn';
    clientId: string | null;
    expiresAt: string;
  };
  /** An emergency sign-in that was refused (wrong password, too many failures, no role, no factor, wrong factor). */
  'breakglass.refused': { userId: string | null; reason: 'not_designated' | 'no_factor' | 'wrong_factor' | 'too_many_attempts' | 'bad_password' | 'throttled' };
  /** A token handed out inside an emergency session (ID token or access token). */
  'breakglass.token.issued': { sessionId: string; userId: string; clientId: string; kind: 'IdToken' | 'AccessToken'; scope: string | null; justification: string };
  /** The session is over: it ran out (`expired`) or a super-admin ended it (`ended`); what it issued is revoked with it. */
  'breakglass.ended': {
    sessionId: string;
    userId: string;
    reason: 'expired' | 'ended';
    justification: string;
    tokensIssued: number;
    loginTs: number;
  };
  'breakglass.reviewed': { sessionId: string; userId: string; note: string };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends BreakGlassEvents {}
}
