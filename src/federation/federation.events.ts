/** Events the federation module emits. Payloads carry ids and reason codes, never tokens or secrets. */
export type FederationFailureReason =
  | 'upstream_unreachable'
  | 'invalid_upstream_response'
  | 'upstream_denied'
  | 'domain_not_allowed'
  | 'email_missing'
  | 'account_exists_unlinkable'
  | 'user_disabled'
  | 'unknown_flow'
  | 'idp_disabled';

export interface FederationEvents {
  'federation.login.succeeded': { idpId: string; userId: string; interactionUid: string; clientId: string | null; ip: string | null; amr: string[] };
  'federation.login.failed': {
    idpId: string;
    reason: FederationFailureReason;
    /** Present once the upstream account is known to map to a local user. */
    userId: string | null;
    interactionUid: string | null;
    clientId: string | null;
    ip: string | null;
  };
  'federation.user.provisioned': { idpId: string; userId: string; roles: string[] };
  'federation.user.linked': { idpId: string; userId: string };
  /** An upstream back-channel logout ended this user's sessions here. */
  'federation.logout.received': { idpId: string; userId: string; sessionsEnded: number };
  'federation.idp.created': { idpId: string };
  'federation.idp.updated': { idpId: string; fields: string[] };
  'federation.idp.deleted': { idpId: string };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends FederationEvents {}
}
