import { z } from 'zod';

/** Response shapes of /admin/v1/audit, for the OpenAPI document. */
const party = z.object({ type: z.string(), id: z.string() });

export const auditRecordSchema = z.object({
  v: z.literal(1),
  seq: z.number().int().describe('gap-free position in the chain'),
  prevHash: z.string().describe('hash of record seq-1 (64 zeros for the first record)'),
  hash: z.string().describe('SHA-256 (hex) of the RFC 8785 canonical JSON of every other field'),
  recordedAt: z.string(),
  occurredAt: z.string(),
  eventType: z.string(),
  outcome: z.enum(['success', 'failure']),
  actor: party,
  subject: party.nullable(),
  clientId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  sessionId: z.string().nullable(),
  correlationId: z.string().describe('the request id of the request that caused it'),
  details: z.record(z.string(), z.unknown()),
});

export const checkpointResponseSchema = z.object({
  id: z.string(),
  kind: z.enum(['periodic', 'on_demand', 'tombstone']),
  seq: z.number().int(),
  hash: z.string(),
  createdAt: z.string(),
  kid: z.string().describe('the signing key, in /jwks'),
  purgedFromSeq: z.number().int().nullable(),
  jws: z.string().describe('compact JWS (typ caduceus-audit-checkpoint+jws) over { iss, jti, kind, seq, hash, iat }'),
});

export const verifyReportSchema = z.object({
  ok: z.boolean(),
  anchor: z.object({ source: z.enum(['genesis', 'tombstone', 'checkpoint']), seq: z.number().int(), checkpointId: z.string().nullable() }),
  fromSeq: z.number().int().nullable(),
  toSeq: z.number().int().nullable(),
  recordsChecked: z.number().int(),
  checkpointsChecked: z.number().int(),
  checkpointsUnverifiable: z.number().int(),
  firstBroken: z
    .object({
      seq: z.number().int(),
      reason: z.enum(['altered', 'missing', 'out_of_order', 'link_broken', 'checkpoint_mismatch', 'bad_anchor']),
      detail: z.string(),
    })
    .nullable(),
});

export const purgeResultSchema = z.object({
  cutoff: z.string(),
  purgedCount: z.number().int(),
  throughSeq: z.number().int().nullable(),
  tombstoneId: z.string().nullable(),
});
