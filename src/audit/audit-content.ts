import { isIP } from 'node:net';
import type { DomainEvent, EventMap, EventName } from '../events/index.js';
import { cleanText, redactDetails } from './audit-redaction.js';
import type { AuditContent, AuditParty } from './chain/audit-record.js';
import type { AuditMapping } from './mappings/index.js';

export interface BuiltContent {
  content: AuditContent;
  redacted: string[];
}

/**
 * Turns an event into the content of its audit record through its mapping. Returns null when
 * the mapping says the event is not an act. Every text is bounded and storable; the details
 * always pass the redaction guard, so no mapping can leak a credential.
 */
export function buildAuditContent<N extends EventName>(event: DomainEvent<N, EventMap[N]>, mapping: AuditMapping<N>): BuiltContent | null {
  const p = event.payload;
  if (mapping.record && !mapping.record(p)) return null;
  const { details, redacted } = redactDetails(mapping.details ? mapping.details(p) : p);
  const actor = party(mapping.actor ? mapping.actor(p, event) : event.actor)!;
  return {
    content: {
      occurredAt: event.occurredAt.toISOString(),
      eventType: event.name,
      outcome: mapping.outcome ? mapping.outcome(p) : 'success',
      actor,
      subject: party(mapping.subject?.(p) ?? null),
      clientId: cleanText(mapping.client?.(p) ?? null, 200),
      ip: validIp(mapping.ip?.(p) ?? event.origin?.ip ?? null),
      userAgent: cleanText(event.origin?.userAgent ?? null, 512),
      sessionId: cleanText(mapping.sessionId?.(p) ?? event.origin?.sessionId ?? null, 200),
      correlationId: cleanText(event.correlationId, 200) ?? '',
      details,
    },
    redacted,
  };
}

function party(p: AuditParty | null): AuditParty | null {
  return p ? { type: cleanText(p.type, 40) ?? 'unknown', id: cleanText(p.id, 200) ?? '' } : null;
}

/** Only a real IP address is stored in the ip column (it is searched by CIDR); anything else stays in details. */
function validIp(value: string | null): string | null {
  return value && isIP(value) ? value : null;
}
