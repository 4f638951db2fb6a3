import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import type { ResourceServer } from '../clients/index.js';
import type { SigningKeystore } from '../keys/index.js';
import { renderErrorPage } from './render-error.js';

export const OIDC_ROUTES = {
  authorization: '/authorize',
  end_session: '/session/end',
  introspection: '/introspect',
  jwks: '/jwks',
  pushed_authorization_request: '/par',
  revocation: '/revoke',
  token: '/token',
  userinfo: '/userinfo',
} as const;

/** Asymmetric algorithms only: no HS* (client secrets are stored hashed, never usable as keys). */
const SIGNING_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;

export interface ProviderDependencies {
  adapter: NonNullable<Configuration['adapter']>;
  keystore: SigningKeystore;
  cookieKeys: string[];
  findResourceServer(identifier: string): Promise<ResourceServer | null>;
}

/**
 * The protocol defaults of DESIGN.md: code flow only, PKCE S256 always, exact redirect URIs,
 * no implicit or password grant, `iss` in authorization responses, short TTLs, refresh tokens
 * rotated on every use (reuse revokes the grant), dev-only features off.
 */
export function buildProviderConfiguration(config: AppConfig, deps: ProviderDependencies): Configuration {
  const secureCookies = config.issuer.startsWith('https://');
  return {
    adapter: deps.adapter,
    jwks: { keys: deps.keystore.keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: deps.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
    routes: OIDC_ROUTES,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      clientAuthSigningAlgValues: [...SIGNING_ALGS],
      requestObjectSigningAlgValues: [...SIGNING_ALGS],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    extraClientMetadata: {
      properties: ['resource_scopes'],
      validator: (_ctx, key, value) => {
        if (key !== 'resource_scopes' || value === undefined) return;
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/.test(v))) {
          throw new errors.InvalidClientMetadata('resource_scopes must be an array of scope tokens');
        }
      },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    // Accounts arrive with the identity module (issue #3); until then no user can sign in.
    findAccount: async () => undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The typings model features as a union keyed on openid4vci; this object is checked at run time by oidc-provider.
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      registration: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: KoaContextWithOIDC, indicator: string, client: { resource_scopes?: string[] }) => {
          const resource = await deps.findResourceServer(indicator);
          if (!resource) throw new errors.InvalidTarget(`unknown resource indicator`);
          return {
            scope: ceilingScopes(resource.scopes, client.resource_scopes).join(' '),
            audience: resource.audience,
            accessTokenFormat: resource.accessTokenFormat,
            accessTokenTTL: Math.min(resource.accessTokenTtl ?? config.ttl.accessToken, config.ttl.accessToken),
            ...(resource.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: resource.signingAlg as 'ES256' } } } : {}),
          };
        },
      },
    } as unknown as Configuration['features'],
    rotateRefreshToken: true,
    ttl: {
      AccessToken: (_ctx, token) => Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken, config.ttl.accessToken),
      ClientCredentials: (_ctx, token) =>
        Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.clientCredentials, config.ttl.clientCredentials),
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: config.ttl.idToken,
      Interaction: config.ttl.interaction,
      Session: config.ttl.sessionAbsolute,
      Grant: config.ttl.refreshTokenAbsolute,
      RefreshToken: (_ctx, token) => refreshTokenTtl(config, token.iiat ?? token.iat),
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage(out);
    },
  };
}

/**
 * A resource's scopes narrowed to the client's registered ceiling (`resource_scopes`).
 * Minimum necessary: a client with no ceiling gets no API scope at all, never every scope.
 */
export function ceilingScopes(resourceScopes: readonly string[], clientCeiling: readonly string[] | undefined): string[] {
  if (!clientCeiling?.length) return [];
  const allowed = new Set(clientCeiling);
  return resourceScopes.filter((s) => allowed.has(s));
}

/** Idle TTL, but never beyond the absolute end counted from the first issue of the family. */
export function refreshTokenTtl(config: Pick<AppConfig, 'ttl'>, initialIssuedAt: number | undefined, now = Date.now()): number {
  const idle = config.ttl.refreshTokenIdle;
  if (!initialIssuedAt) return idle;
  const remaining = initialIssuedAt + config.ttl.refreshTokenAbsolute - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}
