/** Events the approvals module emits (dual control, #17). */
export interface ApprovalEvents {
  /** A high-risk act became a pending change instead of happening (dualControl is on). */
  'approval.requested': { approvalId: string; kind: string; summary: string; details: Record<string, unknown>; expiresAt: string };
  /** A second super-admin approved it and the act was carried out with them as actor. */
  'approval.approved': { approvalId: string; kind: string; summary: string; requestedBy: { type: string; id: string }; approvedBy: { type: string; id: string } };
  /** A super-admin other than the requester rejected it; nothing was done. */
  'approval.rejected': { approvalId: string; kind: string; summary: string; requestedBy: { type: string; id: string }; reason: string | null };
  /**
   * An approver tried to carry it out and it was refused: the act refused (a stale If-Match, a
   * conflict), or the approver may not approve it (did not hold super-admin when it was requested:
   * APPROVER_NOT_ELIGIBLE; credentials changed since: APPROVER_CREDENTIALS_CHANGED). Nothing was done, it stays pending.
   */
  'approval.failed': { approvalId: string; kind: string; summary: string; requestedBy: { type: string; id: string }; error: string };
  /**
   * An approved change was claimed but never finished (the instance died while carrying it out):
   * marked failed after APPROVAL_EXECUTION_TIMEOUT; whether the act ran is unknown, it is never retried.
   */
  'approval.interrupted': { approvalId: string; kind: string; summary: string; requestedBy: { type: string; id: string }; claimedAt: string | null };
  /** Nobody decided within 24 hours; it can no longer be approved. */
  'approval.expired': { approvalId: string; kind: string; summary: string; requestedBy: { type: string; id: string } };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends ApprovalEvents {}
}
