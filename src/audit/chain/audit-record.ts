import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The shape of one audit record and its hash. This file is shared by the service and the
 * offline verifier (CLI), so it imports nothing from Nest or the database.
 *
 * hash = SHA-256 (hex) of the RFC 8785 (JCS) canonical JSON of every field but `hash`,
 * `prevHash` included, so each record commits to the whole chain before it.
 */
export const RECORD_VERSION = 1;
/** prevHash of the first record of a trail that was never purged. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'success' | 'failure';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface AuditParty {
  type: string;
  id: string;
}

/** What an event contributes; the chain adds seq, prevHash, recordedAt and hash. */
export interface AuditContent {
  occurredAt: string;
  eventType: string;
  outcome: AuditOutcome;
  actor: AuditParty;
  subject: AuditParty | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  correlationId: string;
  details: JsonObject;
}

export interface UnsealedRecord extends AuditContent {
  v: typeof RECORD_VERSION;
  seq: number;
  prevHash: string;
  recordedAt: string;
}

export interface AuditRecord extends UnsealedRecord {
  hash: string;
}

/** The exact bytes that are hashed: JCS of the record without its own hash. */
export function canonicalBytes(record: UnsealedRecord): string {
  const { v, seq, prevHash, recordedAt, occurredAt, eventType, outcome, actor, subject, clientId, ip, userAgent, sessionId, correlationId, details } =
    record;
  const text = canonicalize({
    v,
    seq,
    prevHash,
    recordedAt,
    occurredAt,
    eventType,
    outcome,
    actor: { type: actor.type, id: actor.id },
    subject: subject ? { type: subject.type, id: subject.id } : null,
    clientId,
    ip,
    userAgent,
    sessionId,
    correlationId,
    details,
  });
  if (text === undefined) throw new TypeError('an audit record must serialise to JSON');
  return text;
}

export function hashRecord(record: UnsealedRecord): string {
  return createHash('sha256').update(canonicalBytes(record), 'utf8').digest('hex');
}

export function sealRecord(record: UnsealedRecord): AuditRecord {
  return { ...record, hash: hashRecord(record) };
}

export const HASH_PATTERN = /^[0-9a-f]{64}$/;
