import { z } from 'zod';
import type { ClientRecord } from '../client-record.js';
import { encryptionResponseFields, toEncryptionResponse } from '../client-encryption.js';
import { ipAllowlistResponseFields } from '../client-ip-allowlist.js';
import { mtlsResponseFields, toMtlsResponse } from '../client-mtls.js';
import { APPLICATION_TYPES, AUTH_METHODS, GRANT_TYPES, ID_TOKEN_ALGS, MFA_POLICIES } from '../clients.schemas.js';

/** A client as the admin API returns it. Never the secret, never its hash. */
export const clientResponseSchema = z.object({
  clientId: z.string(),
  name: z.string(),
  type: z.enum(['confidential', 'public']),
  applicationType: z.enum(APPLICATION_TYPES),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  grantTypes: z.array(z.enum(GRANT_TYPES)),
  tokenEndpointAuthMethod: z.enum(AUTH_METHODS),
  jwksUri: z.string().nullable(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
  scope: z.string().nullable(),
  resourceScopes: z.array(z.string()),
  idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGS),
  userinfoSignedResponseAlg: z.enum(ID_TOKEN_ALGS).nullable(),
  backchannelLogoutUri: z.string().nullable(),
  ...encryptionResponseFields,
  ...ipAllowlistResponseFields,
  ...mtlsResponseFields,
  mfaPolicy: z.enum(MFA_POLICIES),
  requirePushedAuthorizationRequests: z
    .boolean()
    .describe('RFC 9126: authorization requests only through the PAR endpoint (require_pushed_authorization_requests)'),
  requireSignedRequestObject: z
    .boolean()
    .describe('RFC 9101: authorization requests only as a request object signed with a registered key (require_signed_request_object)'),
  enabled: z.boolean(),
  hasSecret: z.boolean().describe('whether the client authenticates with a secret; the secret itself is shown only once'),
  secretUpdatedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type ClientResponse = z.output<typeof clientResponseSchema>;

/** The response of a registration or a rotation: the only moments a secret is ever sent. */
export const clientWithSecretResponseSchema = clientResponseSchema.extend({
  clientSecret: z
    .string()
    .nullable()
    .describe('shown this once: store it now (null for clients without a secret)'),
});

export function toClientResponse(c: ClientRecord): ClientResponse {
  return {
    clientId: c.clientId,
    name: c.name,
    type: c.type,
    applicationType: c.applicationType ?? 'web',
    redirectUris: c.redirectUris,
    postLogoutRedirectUris: c.postLogoutRedirectUris,
    grantTypes: c.grantTypes,
    tokenEndpointAuthMethod: (c.tokenEndpointAuthMethod ?? 'client_secret_basic') as ClientResponse['tokenEndpointAuthMethod'],
    jwksUri: c.jwksUri ?? null,
    jwks: c.jwks ?? null,
    scope: c.scope ?? null,
    resourceScopes: c.resourceScopes,
    idTokenSignedResponseAlg: c.idTokenSignedResponseAlg,
    userinfoSignedResponseAlg: c.userinfoSignedResponseAlg ?? null,
    backchannelLogoutUri: c.backchannelLogoutUri ?? null,
    ...toEncryptionResponse(c),
    allowedIpRanges: c.allowedIpRanges,
    ...toMtlsResponse(c),
    mfaPolicy: c.mfaPolicy,
    requirePushedAuthorizationRequests: c.requirePushedAuthorizationRequests,
    requireSignedRequestObject: c.requireSignedRequestObject,
    enabled: c.enabled,
    hasSecret: c.hasSecret,
    secretUpdatedAt: c.secretUpdatedAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
