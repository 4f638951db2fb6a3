import { z } from 'zod';
import { PROFILE_FIELDS } from './federation-decisions.js';

const httpUrl = z.url('must be an absolute URL').refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const roleName = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name');
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name like hospital.org');

export const idpIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase slug (a-z, 0-9, -)');

const endpointsSchema = z
  .object({
    authorization: httpUrl,
    token: httpUrl,
    jwks: httpUrl,
    userinfo: httpUrl.optional(),
    endSession: httpUrl.optional(),
  })
  .strict();

const fields = {
  displayName: z.string().trim().min(1).max(80),
  logoUri: z
    .string()
    .max(16384)
    .refine((u) => /^data:image\/(png|svg\+xml|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(u), 'must be a data:image/...;base64 URI (the sign-in page loads nothing from elsewhere)')
    .nullable(),
  issuer: httpUrl,
  /** Discovery document; when neither it nor `endpoints` is given, the issuer's own /.well-known/openid-configuration. */
  discoveryUrl: httpUrl.nullable(),
  endpoints: endpointsSchema.nullable(),
  clientId: z.string().min(1).max(255),
  clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
  clientSecret: z.string().min(1).max(1024),
  /** A private JWK (EC or RSA, with `d` and `alg`) for private_key_jwt. */
  privateJwk: z
    .object({ kty: z.enum(['EC', 'RSA', 'OKP']), d: z.string().min(1), alg: z.string().min(1), kid: z.string().optional() })
    .loose(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'must be a scope token')).min(1).max(30).refine((s) => s.includes('openid'), 'must include openid'),
  allowedDomains: z.array(domain).max(100),
  claimMapping: z.record(z.string().min(1).max(128), z.enum(PROFILE_FIELDS)),
  groupsClaim: z.string().min(1).max(128),
  roleMapping: z.record(z.string().min(1).max(256), z.array(roleName).max(20)),
  trustUpstreamMfa: z.boolean(),
  allowLinking: z.boolean(),
  useUserinfo: z.boolean(),
  enabled: z.boolean(),
};

export const createIdpSchema = z
  .object({
    id: idpIdSchema,
    displayName: fields.displayName,
    logoUri: fields.logoUri.optional(),
    issuer: fields.issuer,
    discoveryUrl: fields.discoveryUrl.optional(),
    endpoints: fields.endpoints.optional(),
    clientId: fields.clientId,
    clientAuth: fields.clientAuth.default('client_secret_basic'),
    clientSecret: fields.clientSecret.optional(),
    privateJwk: fields.privateJwk.optional(),
    scopes: fields.scopes.default(['openid', 'email', 'profile']),
    allowedDomains: fields.allowedDomains.default([]),
    claimMapping: fields.claimMapping.default({}),
    groupsClaim: fields.groupsClaim.default('groups'),
    roleMapping: fields.roleMapping.default({}),
    trustUpstreamMfa: fields.trustUpstreamMfa.default(false),
    allowLinking: fields.allowLinking.default(false),
    useUserinfo: fields.useUserinfo.default(false),
    enabled: fields.enabled.default(true),
  })
  .strict()
  .superRefine((v, ctx) => credentialRules(v, ctx));

export const updateIdpSchema = z
  .object({
    displayName: fields.displayName,
    logoUri: fields.logoUri,
    issuer: fields.issuer,
    discoveryUrl: fields.discoveryUrl,
    endpoints: fields.endpoints,
    clientId: fields.clientId,
    clientAuth: fields.clientAuth,
    clientSecret: fields.clientSecret,
    privateJwk: fields.privateJwk,
    scopes: fields.scopes,
    allowedDomains: fields.allowedDomains,
    claimMapping: fields.claimMapping,
    groupsClaim: fields.groupsClaim,
    roleMapping: fields.roleMapping,
    trustUpstreamMfa: fields.trustUpstreamMfa,
    allowLinking: fields.allowLinking,
    useUserinfo: fields.useUserinfo,
    enabled: fields.enabled,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field');

export type CreateIdp = z.output<typeof createIdpSchema>;
export type UpdateIdp = z.output<typeof updateIdpSchema>;

function credentialRules(v: { clientAuth: string; clientSecret?: string; privateJwk?: unknown }, ctx: z.RefinementCtx): void {
  if (v.clientAuth === 'private_key_jwt' && !v.privateJwk) ctx.addIssue({ code: 'custom', path: ['privateJwk'], message: 'is required for private_key_jwt' });
  if (v.clientAuth !== 'private_key_jwt' && !v.clientSecret) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: `is required for ${v.clientAuth}` });
}

export const idpResponseSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  logoUri: z.string().nullable(),
  issuer: z.string(),
  discoveryUrl: z.string().nullable(),
  endpoints: endpointsSchema.nullable(),
  clientId: z.string(),
  clientAuth: z.string(),
  hasClientSecret: z.boolean(),
  hasPrivateJwk: z.boolean(),
  scopes: z.array(z.string()),
  allowedDomains: z.array(z.string()),
  claimMapping: z.record(z.string(), z.string()),
  groupsClaim: z.string(),
  roleMapping: z.record(z.string(), z.array(z.string())),
  trustUpstreamMfa: z.boolean(),
  allowLinking: z.boolean(),
  useUserinfo: z.boolean(),
  enabled: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IdpResponse = z.output<typeof idpResponseSchema>;
