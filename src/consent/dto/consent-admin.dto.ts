import { z } from 'zod';
import { pageQuery } from '../../admin/index.js';
import { allScopes } from '../consent-decision.js';
import type { ConsentGrant } from '../consent.service.js';
import { scopeSetOf } from '../consent.service.js';
import type { ClientConsentPolicy } from '../client-policy.service.js';
import { SCOPE_GROUPS, type ScopeDefinition } from '../scope-catalogue.js';
import type { StoredUserContext } from '../consent.repository.js';
import { FHIR_ID, FHIR_USER } from '../smart-context.service.js';

export const userIdParam = z.uuid({ error: 'is not a user id' });
export const grantIdParam = z.uuid({ error: 'is not a grant id' });
export const clientIdParam = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'is not a client id');
export const scopeNameParam = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1 to 100 letters, digits and _ . : -');

/** A grant as the admin API shows it. */
export const grantResponseSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  clientId: z.string(),
  status: z.enum(['active', 'expired', 'revoked']),
  scopes: z.array(z.string()).describe('every scope granted, OpenID Connect and resource scopes'),
  oidcScopes: z.array(z.string()),
  resourceScopes: z.record(z.string(), z.array(z.string())).describe('granted scopes by resource indicator (FHIR base URL or API)'),
  origin: z.enum(['user', 'first_party']).describe('user: allowed on the consent page; first_party: a trusted app that skips it'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  revokedBy: z.string().nullable(),
});

export function toGrantResponse(g: ConsentGrant, now = new Date()): z.output<typeof grantResponseSchema> {
  return {
    id: g.id,
    userId: g.userId,
    clientId: g.clientId,
    status: g.revokedAt ? 'revoked' : g.expiresAt <= now ? 'expired' : 'active',
    scopes: allScopes(scopeSetOf(g)),
    oidcScopes: g.oidcScopes,
    resourceScopes: g.resourceScopes,
    origin: g.origin,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    revokedAt: g.revokedAt?.toISOString() ?? null,
    revokedBy: g.revokedBy,
  };
}

export const grantListQuerySchema = pageQuery(z.object({ c: z.iso.datetime(), id: z.uuid() })).extend({
  status: z.enum(['active', 'all']).default('active').describe('active: not revoked (expired ones included); all: revoked ones too'),
});

export const clientPolicyBodySchema = z.strictObject({
  firstParty: z.boolean().describe('true: a trusted first-party app, the consent page is skipped (every skip is audited)'),
});

export const clientPolicyResponseSchema = z.object({
  clientId: z.string(),
  firstParty: z.boolean(),
  ceiling: z.array(z.string()).describe("the scopes the app may ever receive: the client's resourceScopes (change them on the client)"),
});

export function toClientPolicyResponse(p: ClientConsentPolicy): z.output<typeof clientPolicyResponseSchema> {
  return { clientId: p.clientId, firstParty: p.firstParty, ceiling: p.ceiling };
}

export const customScopeBodySchema = z.strictObject({
  description: z.string().trim().min(3, 'must be a plain-language sentence').max(300),
  group: z.enum(SCOPE_GROUPS).describe('where the consent page lists it'),
});

export const scopeResponseSchema = z.object({
  name: z.string(),
  group: z.enum(SCOPE_GROUPS),
  description: z.string(),
  source: z.enum(['oidc', 'smart', 'custom']),
});

export function toScopeResponse(s: Pick<ScopeDefinition, 'name' | 'group' | 'description' | 'source'>): z.output<typeof scopeResponseSchema> {
  return { name: s.name, group: s.group, description: s.description, source: s.source };
}

export const smartContextBodySchema = z.strictObject({
  fhirUser: z
    .string()
    .regex(FHIR_USER, 'must reference a Patient, Practitioner, RelatedPerson or Person, e.g. Practitioner/123')
    .nullable()
    .describe('the FHIR resource that is this user (the fhirUser claim); null for none'),
  patients: z
    .array(
      z.strictObject({
        patientId: z.string().regex(FHIR_ID, 'must be a FHIR id'),
        displayName: z.string().trim().min(1).max(200).describe('what the patient picker shows'),
        encounterId: z.string().regex(FHIR_ID, 'must be a FHIR id').nullable().default(null).describe('the encounter a launch with launch/encounter opens'),
      }),
    )
    .max(100)
    .refine((list) => new Set(list.map((p) => p.patientId)).size === list.length, { message: 'must not list a patient twice' })
    .describe('the patient records this user may open in a standalone launch'),
});

export const smartContextResponseSchema = z.object({
  userId: z.uuid(),
  fhirUser: z.string().nullable(),
  patients: z.array(z.object({ patientId: z.string(), displayName: z.string(), encounterId: z.string().nullable() })),
  updatedAt: z.iso.datetime(),
});

export function toSmartContextResponse(c: StoredUserContext): z.output<typeof smartContextResponseSchema> {
  return { userId: c.userId, fhirUser: c.fhirUser, patients: c.patients, updatedAt: c.updatedAt.toISOString() };
}
