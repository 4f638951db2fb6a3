import type { AuditRecord } from '../chain/audit-record.js';
import type { AuditCategory, AuditMappingTable } from '../mappings/index.js';
import type { EventName } from '../../events/index.js';

/** The parts of FHIR R4 AuditEvent and Bundle this export produces (https://hl7.org/fhir/R4/auditevent.html). */
export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}
interface FhirIdentifier {
  system?: string;
  value: string;
}
interface FhirReference {
  identifier?: FhirIdentifier;
  display?: string;
}
export interface FhirAuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  type: FhirCoding;
  subtype?: FhirCoding[];
  action?: 'C' | 'R' | 'U' | 'D' | 'E';
  period?: { start: string; end: string };
  recorded: string;
  outcome?: '0' | '4' | '8' | '12';
  outcomeDesc?: string;
  agent: Array<{
    type?: { coding: FhirCoding[] };
    who?: FhirReference;
    requestor: boolean;
    network?: { address: string; type: '1' | '2' };
  }>;
  source: { site?: string; observer: FhirReference; type?: FhirCoding[] };
  entity?: Array<{
    what?: FhirReference;
    type?: FhirCoding;
    role?: FhirCoding;
    detail?: Array<{ type: string; valueString: string }>;
  }>;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const dcm = (code: string, display: string): FhirCoding => ({ system: DCM, code, display });
const EVENT_TYPE_SYSTEM = 'urn:caduceus:audit-event-type';

/** DICOM audit event IDs (PS3.16 CID 400) and subtypes (CID 401, CID 403) per category. */
const CATEGORY_CODES: Record<AuditCategory, { type: FhirCoding; subtype?: FhirCoding }> = {
  login: { type: dcm('110114', 'User Authentication'), subtype: dcm('110122', 'Login') },
  logout: { type: dcm('110114', 'User Authentication'), subtype: dcm('110123', 'Logout') },
  token: { type: dcm('110114', 'User Authentication') },
  'user-administration': { type: dcm('110113', 'Security Alert'), subtype: dcm('110137', 'User Security Attributes Changed') },
  'client-administration': { type: dcm('110113', 'Security Alert'), subtype: dcm('110129', 'Security Configuration') },
  'key-management': { type: dcm('110113', 'Security Alert'), subtype: dcm('110129', 'Security Configuration') },
  'audit-access': { type: dcm('110101', 'Audit Log Used') },
};
/** For records of event types the running version no longer knows. */
const FALLBACK: { type: FhirCoding; subtype?: FhirCoding } = { type: dcm('110100', 'Application Activity') };

const HUMAN_TYPES = new Set(['user', 'admin', 'anonymous']);

function agentType(partyType: string): { coding: FhirCoding[] } {
  return HUMAN_TYPES.has(partyType)
    ? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser', display: 'human user' }] }
    : { coding: [dcm('110150', 'Application')] };
}

const partyRef = (type: string, id: string): FhirReference => ({ identifier: { system: `urn:caduceus:${type}`, value: id }, display: `${type} ${id}` });

/**
 * One audit record as an R4 AuditEvent. Rules: type/subtype from the event's category (DICOM
 * codes auditors' tools know) plus the Caduceus event type as a subtype; the actor is the
 * requesting agent (with its IP), the client application a second agent; the subject and the
 * record itself (seq and hashes, so the chain can be checked) are entities.
 */
export function toFhirAuditEvent(record: AuditRecord, issuer: string, mappings: Pick<AuditMappingTable, 'mappingOf'>): FhirAuditEvent {
  const mapping = mappings.mappingOf(record.eventType as EventName);
  const codes = mapping ? CATEGORY_CODES[mapping.category] : FALLBACK;
  const failureReason = ['error', 'reason'].map((k) => record.details[k]).find((v): v is string => typeof v === 'string');
  const agents: FhirAuditEvent['agent'] = [
    {
      type: agentType(record.actor.type),
      who: partyRef(record.actor.type, record.actor.id),
      requestor: true,
      ...(record.ip ? { network: { address: record.ip, type: '2' as const } } : {}),
    },
  ];
  if (record.clientId && !(record.actor.type === 'client' && record.actor.id === record.clientId)) {
    agents.push({ type: agentType('client'), who: partyRef('client', record.clientId), requestor: false });
  }
  const integrity = [
    { type: 'seq', valueString: String(record.seq) },
    { type: 'prevHash', valueString: record.prevHash },
    { type: 'hash', valueString: record.hash },
    { type: 'correlationId', valueString: record.correlationId },
    ...(record.sessionId ? [{ type: 'sessionId', valueString: record.sessionId }] : []),
    ...(record.userAgent ? [{ type: 'userAgent', valueString: record.userAgent }] : []),
  ].filter((d) => d.valueString !== '');
  return {
    resourceType: 'AuditEvent',
    id: `caduceus-audit-${record.seq}`,
    type: codes.type,
    subtype: [...(codes.subtype ? [codes.subtype] : []), { system: EVENT_TYPE_SYSTEM, code: record.eventType }],
    ...(mapping ? { action: mapping.action } : {}),
    period: { start: record.occurredAt, end: record.occurredAt },
    recorded: record.recordedAt,
    outcome: record.outcome === 'success' ? '0' : '4',
    ...(record.outcome === 'failure' && failureReason ? { outcomeDesc: failureReason } : {}),
    agent: agents,
    source: {
      site: issuer,
      observer: { identifier: { value: issuer }, display: 'Caduceus' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      ...(record.subject
        ? [
            {
              what: partyRef(record.subject.type, record.subject.id),
              type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                ...(record.subject.type === 'user' ? { code: '1', display: 'Person' } : { code: '2', display: 'System Object' }),
              },
              detail: [{ type: 'details', valueString: JSON.stringify(record.details) }],
            },
          ]
        : []),
      {
        what: { identifier: { system: 'urn:caduceus:audit-record', value: String(record.seq) } },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
        detail: record.subject ? integrity : [...integrity, { type: 'details', valueString: JSON.stringify(record.details) }],
      },
    ],
  };
}

/** A stable urn:uuid for a record (UUIDv8 from its hash), for Bundle.entry.fullUrl. */
export function recordUrn(hash: string): string {
  const h = hash.slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `urn:uuid:${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
