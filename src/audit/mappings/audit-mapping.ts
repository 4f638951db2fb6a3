import type { DomainEvent, EventMap, EventName } from '../../events/index.js';
import type { AuditOutcome, AuditParty } from '../chain/audit-record.js';

/**
 * What kind of act a record is: it chooses the FHIR AuditEvent type/subtype (DICOM codes)
 * and lets an investigator filter broadly.
 */
export type AuditCategory =
  | 'login'
  | 'logout'
  | 'token'
  | 'user-administration'
  | 'client-administration'
  | 'key-management'
  | 'audit-access';

/** FHIR AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/**
 * How one event becomes an audit record. Every field but category and action has a default:
 * outcome success, the event's actor, no subject or client, the request's IP, and the whole
 * payload as details (which always pass through the redaction guard).
 */
export interface AuditMapping<N extends EventName> {
  category: AuditCategory;
  action: AuditAction;
  outcome?: (p: EventMap[N]) => AuditOutcome;
  actor?: (p: EventMap[N], event: DomainEvent<N, EventMap[N]>) => AuditParty;
  subject?: (p: EventMap[N]) => AuditParty | null;
  client?: (p: EventMap[N]) => string | null;
  /** An IP the emitter carried in its payload (preferred over the request's). */
  ip?: (p: EventMap[N]) => string | null;
  sessionId?: (p: EventMap[N]) => string | null;
  details?: (p: EventMap[N]) => Record<string, unknown>;
  /** False for events that are not acts (per-instance cache signals): nothing is recorded. */
  record?: (p: EventMap[N]) => boolean;
}

/**
 * One mapping per event name. A mapped type over EventName: an event added to EventMap
 * without a mapping here fails to compile, so nothing reaches the bus unaudited.
 */
export type AuditMappings = { [N in EventName]: AuditMapping<N> };

/** The mappings of one module's events (their keys are EventNames by construction). */
export type MappingsFor<E> = { [N in keyof E & EventName]: AuditMapping<N> };
