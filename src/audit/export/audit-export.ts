import type { AuditRecord } from '../chain/audit-record.js';
import { recordUrn, toFhirAuditEvent } from './fhir-audit-event.js';
import type { AuditMappingTable } from '../mappings/index.js';

export type ExportFormat = 'ndjson' | 'csv' | 'fhir';

export const EXPORT_MEDIA: Record<ExportFormat, { type: string; extension: string }> = {
  ndjson: { type: 'application/x-ndjson', extension: 'ndjson' },
  csv: { type: 'text/csv; charset=utf-8', extension: 'csv' },
  fhir: { type: 'application/fhir+json', extension: 'fhir.json' },
};

const CSV_COLUMNS = [
  'seq',
  'recordedAt',
  'occurredAt',
  'eventType',
  'outcome',
  'actorType',
  'actorId',
  'subjectType',
  'subjectId',
  'clientId',
  'ip',
  'userAgent',
  'sessionId',
  'correlationId',
  'details',
  'prevHash',
  'hash',
] as const;

/**
 * RFC 4180 quoting, and a leading apostrophe on a cell a spreadsheet would run as a formula
 * (OWASP CSV injection): a user agent of `=HYPERLINK(...)` must not execute on an auditor's machine.
 */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(r: AuditRecord): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    seq: r.seq,
    recordedAt: r.recordedAt,
    occurredAt: r.occurredAt,
    eventType: r.eventType,
    outcome: r.outcome,
    actorType: r.actor.type,
    actorId: r.actor.id,
    subjectType: r.subject?.type ?? null,
    subjectId: r.subject?.id ?? null,
    clientId: r.clientId,
    ip: r.ip,
    userAgent: r.userAgent,
    sessionId: r.sessionId,
    correlationId: r.correlationId,
    details: JSON.stringify(r.details),
    prevHash: r.prevHash,
    hash: r.hash,
  };
  return `${CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',')}\r\n`;
}

/**
 * Streams records as text in one format. NDJSON lines are the records exactly as hashed (the
 * offline verifier reads them); CSV is for reading; FHIR is an R4 `collection` Bundle of
 * AuditEvent resources, written incrementally so an export of years never sits in memory.
 */
export async function* exportChunks(records: AsyncIterable<AuditRecord>, format: ExportFormat, opts: { issuer: string; now: Date; mappings: Pick<AuditMappingTable, 'mappingOf'> }) {
  if (format === 'ndjson') {
    for await (const r of records) yield `${JSON.stringify(r)}\n`;
    return;
  }
  if (format === 'csv') {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    for await (const r of records) yield csvRow(r);
    return;
  }
  yield `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(opts.now.toISOString())}`;
  let first = true;
  for await (const r of records) {
    // FHIR JSON never has an empty array: `entry` opens with the first record.
    yield `${first ? ',"entry":[' : ','}${JSON.stringify({ fullUrl: recordUrn(r.hash), resource: toFhirAuditEvent(r, opts.issuer, opts.mappings) })}`;
    first = false;
  }
  yield first ? '}' : ']}';
}
