import { z } from 'zod';
import { isLookalikeAdminScope, lookalikeAdminScopeMessage } from '../admin/index.js';
import { encryptionFields, encryptionRules, encryptionUpdateFields, publicKeyRules, type EncryptionRegistration } from './client-encryption.js';
import { ipAllowlistFields, ipAllowlistRules, ipAllowlistUpdateFields, type IpAllowlistRegistration } from './client-ip-allowlist.js';
import { MTLS_AUTH_METHODS, mtlsFields, mtlsRules, mtlsUpdateFields, type MtlsRegistration } from './client-mtls.js';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none', ...MTLS_AUTH_METHODS] as const;
export const SECRET_AUTH_METHODS: ReadonlySet<string> = new Set(['client_secret_basic', 'client_secret_post']);
export const MFA_POLICIES = ['required', 'optional'] as const;
export const APPLICATION_TYPES = ['web', 'native'] as const;
/**
 * The algorithms the keys module can keep a signing key for (SIGNING_ALGS). A registration may
 * name only those configured here (ClientsService checks the running configuration).
 */
export const ID_TOKEN_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;
export type TokenSigningAlg = (typeof ID_TOKEN_ALGS)[number];

export type MfaPolicy = (typeof MFA_POLICIES)[number];
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export function isLoopbackHttp(uri: string): boolean {
  const u = URL.parse(uri);
  return u?.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** Absolute https (or http on loopback, allowed for native apps only: see clientRules), no fragment. */
const uri = z
  .string()
  .max(2000)
  .refine(
    (v) => {
      const u = URL.parse(v);
      return Boolean(u) && !u!.hash && (u!.protocol === 'https:' || isLoopbackHttp(v));
    },
    { message: 'must be an absolute https URL without fragment (http only on localhost, 127.0.0.1 or [::1] for native apps)' },
  );

const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'must be a scope token without spaces or quotes');
/** A registered scope: admin scopes only in their one exact spelling (isLookalikeAdminScope). */
const registeredScope = scopeToken.superRefine((scope, ctx) => {
  if (isLookalikeAdminScope(scope)) ctx.addIssue({ code: 'custom', message: lookalikeAdminScopeMessage(scope) });
});

const publicJwk = z
  .looseObject({ kty: z.string().min(1) })
  .refine((k) => !PRIVATE_JWK_MEMBERS.some((m) => m in k), { message: 'must be a public key (private key members are refused)' })
  .superRefine(publicKeyRules);

const REQUIRE_PAR =
  'RFC 9126: authorization requests only through the pushed authorization request endpoint (/par); a plain /authorize is refused';
const REQUIRE_JAR =
  'RFC 9101: authorization requests only as a request object signed with a key of jwks or jwksUri; plain parameters are refused';

/** The registration fields of a client as an administrator gives them (camelCase, no secret). */
export const clientFields = {
  name: z.string().trim().min(1, 'must not be empty').max(200),
  type: z.enum(['confidential', 'public']),
  /** `native` for desktop and mobile apps (loopback redirect URIs); inferred when omitted. */
  applicationType: z.enum(APPLICATION_TYPES).optional(),
  redirectUris: z.array(uri).max(20).default([]),
  postLogoutRedirectUris: z.array(uri).max(20).default([]),
  grantTypes: z
    .array(z.enum(GRANT_TYPES))
    .min(1)
    .max(3)
    .refine((g) => new Set(g).size === g.length, { message: 'must not repeat a grant type' })
    .default(['authorization_code']),
  tokenEndpointAuthMethod: z.enum(AUTH_METHODS).optional(),
  jwksUri: z.url({ protocol: /^https$/, error: 'must be an absolute https URL' }).optional(),
  jwks: z.object({ keys: z.array(publicJwk).min(1).max(10) }).optional(),
  /** Ceiling of OpenID Connect scopes (`openid profile email offline_access`) the client may request. */
  scope: z
    .string()
    .max(2000)
    .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope tokens')
    .superRefine((value, ctx) => {
      const lookalike = value.split(' ').find(isLookalikeAdminScope);
      if (lookalike) ctx.addIssue({ code: 'custom', message: lookalikeAdminScopeMessage(lookalike) });
    })
    .optional(),
  /** Ceiling of API (resource server) scopes this client may ever receive. */
  resourceScopes: z.array(registeredScope).max(500).default([]),
  idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGS).default('ES256'),
  /** Signed userinfo (application/jwt) on its own; with userinfo encryption and no choice, the ID token's algorithm signs. */
  userinfoSignedResponseAlg: z.enum(ID_TOKEN_ALGS).optional(),
  backchannelLogoutUri: uri.optional(),
  ...encryptionFields,
  ...ipAllowlistFields,
  ...mtlsFields,
  /** Whether people signing in to this app must pass MFA (enforced with the MFA issue). */
  mfaPolicy: z.enum(MFA_POLICIES).default('required'),
  requirePushedAuthorizationRequests: z.boolean().describe(REQUIRE_PAR).default(false),
  requireSignedRequestObject: z.boolean().describe(REQUIRE_JAR).default(false),
};

const clientIdField = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{3,128}$/, 'must be 3 to 128 characters of letters, digits and . _ ~ -');

type RuleInput = EncryptionRegistration & IpAllowlistRegistration & MtlsRegistration & {
  type: 'confidential' | 'public';
  applicationType?: ApplicationType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod?: string;
  jwks?: unknown;
  jwksUri?: string;
  backchannelLogoutUri?: string;
  requireSignedRequestObject?: boolean;
};

/** The method a registration resolves to when it names none. */
export function effectiveAuthMethod(c: Pick<RuleInput, 'type' | 'tokenEndpointAuthMethod'>): string {
  return c.tokenEndpointAuthMethod ?? (c.type === 'public' ? 'none' : 'client_secret_basic');
}

/** A client that only redirects to loopback is a native app (RFC 8252); anything else is web. */
export function effectiveApplicationType(c: Pick<RuleInput, 'applicationType' | 'redirectUris'>): ApplicationType {
  if (c.applicationType) return c.applicationType;
  return c.redirectUris.length > 0 && c.redirectUris.every(isLoopbackHttp) ? 'native' : 'web';
}

/**
 * Rules across fields: public clients authenticate with `none` and confidential ones never do;
 * client_credentials needs a confidential client; authorization_code needs a redirect URI;
 * private_key_jwt needs exactly one of jwks and jwksUri; so does requiring signed request
 * objects; http loopback URIs only for native apps; a web app's URIs are https.
 */
function clientRules(c: RuleInput, ctx: z.RefinementCtx): void {
  const method = effectiveAuthMethod(c);
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.type === 'public' && method !== 'none') issue('tokenEndpointAuthMethod', 'a public client authenticates with none');
  if (c.type === 'confidential' && method === 'none') issue('tokenEndpointAuthMethod', 'a confidential client must authenticate');
  if (c.type === 'public' && c.grantTypes.includes('client_credentials')) issue('grantTypes', 'client_credentials needs a confidential client');
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
    issue('redirectUris', 'authorization_code needs at least one redirect URI');
  }
  if (method === 'private_key_jwt' && !c.jwks && !c.jwksUri) issue('jwks', 'private_key_jwt needs jwks or jwksUri');
  if (c.jwks && c.jwksUri) issue('jwksUri', 'give jwks or jwksUri, not both');
  encryptionRules(c, ctx);
  ipAllowlistRules(c, ctx);
  mtlsRules(c, method, ctx);
  if (c.requireSignedRequestObject && !c.jwks && !c.jwksUri) {
    issue('requireSignedRequestObject', 'signed request objects need the keys to verify them: jwks or jwksUri');
  }
  if (effectiveApplicationType(c) === 'web') {
    for (const [field, uris] of [
      ['redirectUris', c.redirectUris],
      ['postLogoutRedirectUris', c.postLogoutRedirectUris],
    ] as const) {
      uris.forEach((u, i) => {
        if (isLoopbackHttp(u)) {
          ctx.addIssue({ code: 'custom', path: [field, i], message: 'http is allowed only for native apps (applicationType native)' });
        }
      });
    }
  }
}

/** Service input: the fields, an optional chosen client id, and (bootstrap only) a chosen secret. */
export const newClientSchema = z
  .object({
    ...clientFields,
    clientId: clientIdField.optional(),
    /** Only for bootstrap and tests: an externally chosen secret (at least 32 characters). */
    clientSecret: z.string().min(32).max(512).optional(),
  })
  .superRefine(clientRules);

export type NewClient = z.input<typeof newClientSchema>;
export type ClientRegistration = Omit<z.output<typeof newClientSchema>, 'clientSecret'>;

/** Client ids the service keeps for its own built-in clients (caduceus-account, caduceus-admin-console). */
export const BUILT_IN_CLIENT_ID_PREFIX = 'caduceus-';

/** Whether `clientId` is reserved for a built-in client (the one rule: the admin API, the CLI, bootstrap, any caller of ClientsService). */
export const isReservedClientId = (clientId: string): boolean => clientId.toLowerCase().startsWith(BUILT_IN_CLIENT_ID_PREFIX);
export const RESERVED_CLIENT_ID_MESSAGE = `is reserved: ids starting with ${BUILT_IN_CLIENT_ID_PREFIX} belong to the service's built-in clients`;

/**
 * POST /admin/v1/clients: the fields and an optional client id; unknown fields are refused, secrets are always generated.
 * The built-in ids are refused: whoever registered one first would otherwise choose the sign-in policy of a service app.
 */
export const registerClientSchema = z
  .strictObject({
    ...clientFields,
    clientId: clientIdField
      .refine((id) => !isReservedClientId(id), RESERVED_CLIENT_ID_MESSAGE)
      .optional(),
  })
  .superRefine(clientRules);

/**
 * PATCH /admin/v1/clients/{id}: any field but the id and the type; null removes an optional
 * field. The merged result is checked against every registration rule again.
 */
export const updateClientSchema = z.strictObject({
  name: clientFields.name.optional(),
  applicationType: z.enum(APPLICATION_TYPES).optional(),
  redirectUris: z.array(uri).max(20).optional(),
  postLogoutRedirectUris: z.array(uri).max(20).optional(),
  grantTypes: clientFields.grantTypes.unwrap().optional(),
  tokenEndpointAuthMethod: z.enum(AUTH_METHODS).optional(),
  jwksUri: clientFields.jwksUri.unwrap().nullable().optional(),
  jwks: clientFields.jwks.unwrap().nullable().optional(),
  scope: clientFields.scope.unwrap().nullable().optional(),
  resourceScopes: clientFields.resourceScopes.unwrap().optional(),
  idTokenSignedResponseAlg: z.enum(ID_TOKEN_ALGS).optional(),
  userinfoSignedResponseAlg: z.enum(ID_TOKEN_ALGS).nullable().optional(),
  backchannelLogoutUri: uri.nullable().optional(),
  ...encryptionUpdateFields,
  ...ipAllowlistUpdateFields,
  ...mtlsUpdateFields,
  mfaPolicy: z.enum(MFA_POLICIES).optional(),
  requirePushedAuthorizationRequests: z.boolean().describe(REQUIRE_PAR).optional(),
  requireSignedRequestObject: z.boolean().describe(REQUIRE_JAR).optional(),
  clientId: z.never({ error: 'cannot be changed' }).optional(),
  type: z.never({ error: 'cannot be changed: register a new client instead' }).optional(),
});

export type ClientUpdate = z.output<typeof updateClientSchema>;

/** Checks a merged registration (after an update) against every field and cross-field rule. */
export const clientRegistrationSchema = z.object({ ...clientFields, clientId: clientIdField }).superRefine(clientRules);

export const newResourceServerSchema = z.object({
  identifier: z
    .string()
    .max(2000)
    .refine((v) => URL.canParse(v) && !new URL(v).hash, { message: 'must be an absolute URI without fragment' }),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  audience: z.string().min(1).max(2000).optional(),
  scopes: z.array(registeredScope).max(500).default([]),
  accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  accessTokenTtl: z.number().int().min(60).max(3600).optional(),
  signingAlg: z.enum(ID_TOKEN_ALGS).default('ES256'),
});

export type NewResourceServer = z.input<typeof newResourceServerSchema>;
