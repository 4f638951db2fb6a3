import { z } from 'zod';
import { pageQuery } from '../../admin/index.js';
import { PREPUBLICATION_WINDOW_RANGE, ROTATION_INTERVAL_RANGE } from '../schedule-rules.js';

const ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;
const STATES = ['next', 'active', 'retired', 'removed', 'revoked'] as const;
const alg = z.enum(ALGS, { error: `must be one of ${ALGS.join(', ')}` });
const wholeSeconds = (range: { min: number; max: number }) =>
  z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(range.min, `must be at least ${range.min} seconds`)
    .max(range.max, `must be at most ${range.max} seconds`);

const RESERVED_KIDS = ['schedule', 'rotate', 'import', 'kek'];

export const kidParam = z.string().regex(/^[\x21-\x7E]{1,200}$/, 'must be 1 to 200 printable characters without spaces');

export const listKeysQuery = pageQuery(z.object({ c: z.iso.datetime(), kid: z.string().max(200) })).extend({
  state: z.enum(STATES, { error: `must be one of ${STATES.join(', ')}` }).optional(),
  alg: alg.optional(),
});

export const rotateBody = z
  .strictObject({
    alg: alg.default('ES256'),
    /** true: the new key signs at once (emergencies); false: after the pre-publication window. */
    immediate: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .default({ alg: 'ES256', immediate: false });

export const revokeBody = z.strictObject({
  reason: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
});

export const importBody = z
  .strictObject({
    pem: z.string().max(20_000, 'must be at most 20000 characters').optional(),
    jwk: z.record(z.string(), z.unknown(), { error: 'must be a JSON Web Key object' }).optional(),
    alg: alg.optional(),
    // Words that are routes under /admin/v1/keys cannot be kids (GET /keys/schedule must stay the schedule).
    kid: kidParam.refine((kid) => !RESERVED_KIDS.includes(kid), 'is reserved; choose another kid').optional(),
    state: z.enum(['next', 'active'], { error: 'must be next or active' }).default('next'),
  })
  .superRefine((body, ctx) => {
    if ((body.pem === undefined) === (body.jwk === undefined)) {
      ctx.addIssue({ code: 'custom', path: [body.pem === undefined ? 'pem' : 'jwk'], message: 'give exactly one of pem or jwk' });
    }
  });

export const scheduleBody = z.strictObject({
  rotationIntervalSeconds: wholeSeconds(ROTATION_INTERVAL_RANGE),
  prePublicationWindowSeconds: wholeSeconds(PREPUBLICATION_WINDOW_RANGE),
});

const instant = z.iso.datetime();

export const keyResponseSchema = z.object({
  kid: z.string(),
  alg: alg,
  state: z.enum(STATES),
  source: z.enum(['generated', 'imported']),
  published: z.boolean().describe('whether /jwks lists it now'),
  publicJwk: z.record(z.string(), z.unknown()).describe('the public JWK; never a private member'),
  createdAt: instant.describe('also when it entered /jwks'),
  activatedAt: instant.nullable(),
  rotationDueAt: instant.optional().describe('active keys: when the schedule replaces it'),
  activatesAt: instant.optional().describe('next keys: when it starts signing'),
  retiredAt: instant.nullable(),
  publishedUntil: instant.nullable().describe('retired keys: they leave /jwks then, when every token they signed has expired'),
  removedAt: instant.nullable(),
  revokedAt: instant.nullable(),
  revocationReason: z.string().nullable(),
});

export const scheduleResponse = z.object({
  rotationIntervalSeconds: z.number().int(),
  prePublicationWindowSeconds: z.number().int(),
  jwksMaxAgeSeconds: z.number().int().describe('Cache-Control max-age of /jwks (JWKS_MAX_AGE); the window is at least this'),
  source: z.enum(['environment', 'admin']),
  updatedAt: instant.nullable(),
  updatedBy: z.string().nullable(),
});

export const rotateResponse = z.object({
  alg,
  activeKid: z.string(),
  nextKid: z.string().nullable(),
  activatesAt: instant.nullable(),
});

export const revokeResponse = z.object({
  kid: z.string(),
  state: z.literal('revoked'),
  previousState: z.enum(STATES),
  replacedBy: z.string().nullable(),
});

export const kekRotationResponse = z.object({
  toKekId: z.string(),
  fromKekIds: z.array(z.string()),
  signingKeys: z.number().int(),
  secrets: z.number().int(),
});
