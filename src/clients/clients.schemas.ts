import { z } from 'zod';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** Exact redirect URIs: absolute https, or http only on loopback (native apps, RFC 8252). */
const redirectUri = z
  .string()
  .max(2000)
  .refine(
    (v) => {
      if (!URL.canParse(v)) return false;
      const u = new URL(v);
      if (u.hash) return false;
      if (u.protocol === 'https:') return true;
      return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    },
    { message: 'must be an absolute https URL without fragment (http only for localhost, 127.0.0.1 or [::1])' },
  );

export const newClientSchema = z
  .object({
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{3,128}$/, 'must be 3 to 128 characters of letters, digits and . _ ~ -')
      .optional(),
    name: z.string().trim().min(1, 'must not be empty').max(200),
    type: z.enum(['confidential', 'public']),
    redirectUris: z.array(redirectUri).max(20).default([]),
    postLogoutRedirectUris: z.array(redirectUri).max(20).default([]),
    grantTypes: z.array(z.enum(GRANT_TYPES)).min(1).max(3).default(['authorization_code']),
    tokenEndpointAuthMethod: z.enum(AUTH_METHODS).optional(),
    jwksUri: z.url({ protocol: /^https$/ }).optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10) }).optional(),
    scope: z
      .string()
      .max(2000)
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope tokens')
      .optional(),
    /** Ceiling of API (resource server) scopes this client may ever receive. */
    resourceScopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'must be a scope token without spaces or quotes'))
      .max(500)
      .default([]),
    // Only ES256 keys exist until the key lifecycle issue (#5) adds an active key per algorithm.
    idTokenSignedResponseAlg: z.enum(['ES256']).default('ES256'),
    backchannelLogoutUri: z.url({ protocol: /^https?$/ }).optional(),
    /** Only for bootstrap and tests: an externally chosen secret (at least 32 characters). */
    clientSecret: z.string().min(32).max(512).optional(),
  })
  .superRefine((c, ctx) => {
    const method = c.tokenEndpointAuthMethod ?? (c.type === 'public' ? 'none' : 'client_secret_basic');
    if (c.type === 'public' && method !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['tokenEndpointAuthMethod'], message: 'a public client authenticates with none' });
    }
    if (c.type === 'confidential' && method === 'none') {
      ctx.addIssue({ code: 'custom', path: ['tokenEndpointAuthMethod'], message: 'a confidential client must authenticate' });
    }
    if (c.type === 'public' && c.grantTypes.includes('client_credentials')) {
      ctx.addIssue({ code: 'custom', path: ['grantTypes'], message: 'client_credentials needs a confidential client' });
    }
    if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['redirectUris'], message: 'authorization_code needs at least one redirect URI' });
    }
    if (method === 'private_key_jwt' && !c.jwks && !c.jwksUri) {
      ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'private_key_jwt needs jwks or jwksUri' });
    }
  });

export type NewClient = z.input<typeof newClientSchema>;

export const newResourceServerSchema = z.object({
  identifier: z
    .string()
    .max(2000)
    .refine((v) => URL.canParse(v) && !new URL(v).hash, { message: 'must be an absolute URI without fragment' }),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  audience: z.string().min(1).max(2000).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'must be a scope token without spaces or quotes'))
    .max(500)
    .default([]),
  accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  accessTokenTtl: z.number().int().min(60).max(3600).optional(),
  signingAlg: z.enum(['ES256']).default('ES256'),
});

export type NewResourceServer = z.input<typeof newResourceServerSchema>;
