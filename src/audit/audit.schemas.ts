import { isIP } from 'node:net';
import { z } from 'zod';
import { pageQuery } from '../admin/index.js';
import type { AuditFilter } from './audit-filter.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const instant = z
  .string()
  .refine((v) => ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO 8601 date or date-time with a time zone, e.g. 2026-01-31T00:00:00Z',
  })
  .transform((v) => new Date(v));

const text = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const seq = z.coerce
  .number({ error: 'must be a positive whole number' })
  .int('must be a positive whole number')
  .min(1, 'must be a positive whole number');

function isCidr(v: string): boolean {
  const [address, bits, ...rest] = v.split('/');
  const family = isIP(address ?? '');
  return rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
}

/** The criteria shared by search and export. */
export const filterShape = {
  from: instant.optional().describe('records that occurred at or after this instant'),
  to: instant.optional().describe('records that occurred before this instant'),
  type: z
    .string()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/, 'must be an event type (auth.login.failed) or a prefix ending in .* (auth.login.*)')
    .optional(),
  actor: text.optional().describe('actor id (user, client, admin)'),
  actorType: text.optional(),
  subject: text.optional().describe('id of the user, client, key ... acted upon'),
  subjectType: text.optional(),
  client: text.optional().describe('client id of the application involved'),
  reference: text.optional().describe('the reference code an error page showed (the request id, correlationId of its records)'),
  outcome: z.enum(['success', 'failure'], { error: 'must be success or failure' }).optional(),
  ip: z
    .string()
    .refine((v) => isIP(v) !== 0 || isCidr(v), { message: 'must be an IP address or a CIDR block (10.0.0.0/8)' })
    .optional(),
};

const timeOrder = <T extends { from?: Date; to?: Date }>(q: T, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.from.getTime() > q.to.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
};

export const searchQuerySchema = pageQuery(z.object({ s: z.number().int().min(0) }))
  .extend({ ...filterShape, order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc') })
  .superRefine(timeOrder);

export const exportQuerySchema = z
  .strictObject({
    ...filterShape,
    format: z.enum(['ndjson', 'csv', 'fhir'], { error: 'must be ndjson, csv or fhir' }).default('ndjson'),
    fromSeq: seq.optional(),
    toSeq: seq.optional(),
  })
  .superRefine(timeOrder);

export const verifyQuerySchema = z.strictObject({
  checkpoint: z.uuid({ error: 'must be the id of a checkpoint' }).optional(),
  toSeq: seq.optional(),
});

export const checkpointListSchema = pageQuery(z.object({ c: z.iso.datetime(), id: z.uuid() }));

export const checkpointIdSchema = z.uuid({ error: 'must be the id of a checkpoint' });
export const seqParamSchema = seq;

export const purgeBodySchema = z
  .strictObject({ before: instant.optional().describe('purge only records recorded before this instant (default: the retention cut-off)') })
  .optional()
  .transform((b) => b ?? {});

type FilterInput = { [K in keyof typeof filterShape]?: z.output<(typeof filterShape)[K]> } & { fromSeq?: number; toSeq?: number };

export function toFilter(q: FilterInput): AuditFilter {
  const { from, to, type, actor, actorType, subject, subjectType, client, reference, outcome, ip, fromSeq, toSeq } = q;
  return { from, to, type, actor, actorType, subject, subjectType, client, reference, outcome, ip, fromSeq, toSeq };
}

/** The filters as plain strings, for the audit record of an export. */
export function describeFilter(filter: AuditFilter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    out[k] = v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}
