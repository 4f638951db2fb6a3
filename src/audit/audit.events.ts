/** Events the audit module emits: every use of the trail that changes or reveals it is itself audited. */
export interface AuditEvents {
  /** An on-demand checkpoint (periodic ones are system routine, kept in the checkpoint list only). */
  'audit.checkpoint.created': { checkpointId: string; kind: 'on_demand'; seq: number; hash: string; kid: string };
  'audit.exported': { format: 'ndjson' | 'csv' | 'fhir'; filters: Record<string, string>; throughSeq: number | null };
  'audit.verified': {
    ok: boolean;
    fromSeq: number | null;
    toSeq: number | null;
    recordsChecked: number;
    firstBrokenSeq: number | null;
    reason: string | null;
  };
  'audit.purged': { throughSeq: number; purgedCount: number; tombstoneId: string; cutoff: string };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends AuditEvents {}
}
