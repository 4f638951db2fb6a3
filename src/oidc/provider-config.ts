import type { Configuration } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import type { ResourceServer } from '../clients/index.js';
import type { SigningKeystore } from '../keys/index.js';
import { ACR_MFA, ACR_PASSWORD } from '../mfa/mfa-policy.js';
import { mtlsAuthMethods } from './client-certificate.js';
import type { OidcPorts } from './oidc.ports.js';
import { extraTokenClaims, findAccount, SCOPE_CLAIMS } from './provider-claims.js';
import { algorithms, extraClientMetadata, features } from './provider-features.js';
import { interactions, loadExistingGrant, renderError } from './provider-interactions.js';
import { issueRefreshToken, lifetimes, shouldRotateRefreshToken } from './provider-lifetimes.js';
import { smartParams } from './provider-smart.js';

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

export interface ProviderDependencies {
  adapter: NonNullable<Configuration['adapter']>;
  keystore: SigningKeystore;
  cookieKeys: string[];
  /** 32 bytes shared by every instance: DPoP nonces are derived from it, not stored. */
  dpopNonceSecret: Buffer;
  findResourceServer(identifier: string): Promise<ResourceServer | null>;
  /** Claims of an active account, or null when it is unknown or disabled. */
  findClaims(accountId: string): Promise<Record<string, unknown> | null>;
  /** The outbound HTTP policy's fetch (outbound/OutboundHttp) for calls to client URLs. */
  outboundFetch: typeof globalThis.fetch;
  /** What the provider asks of other modules (scope, emergency, disclosure policies), bound at the composition root. */
  ports: OidcPorts;
}

/**
 * The protocol defaults of DESIGN.md: code flow only, PKCE S256 always, exact redirect URIs,
 * no implicit or password grant, `iss` in authorization responses, short TTLs, refresh tokens
 * rotated on every use (reuse revokes the grant) except sender-constrained ones of clients that
 * authenticate with a private key (FAPI 2.0), dev-only features off. Each concern has its file:
 * claims (provider-claims.ts), lifetimes (provider-lifetimes.ts), interactions and pages
 * (provider-interactions.ts), features and algorithms (provider-features.ts), SMART hooks
 * (provider-smart.ts).
 */
export function buildProviderConfiguration(config: AppConfig, deps: ProviderDependencies): Configuration {
  const { scopePolicy } = deps.ports;
  return {
    adapter: deps.adapter,
    jwks: { keys: deps.keystore.keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: cookies(config, deps.cookieKeys),
    routes: OIDC_ROUTES,
    // oidc-provider's rule (public clients from their redirect URIs' origins, userinfo likewise),
    // plus this service's own origin: its pages (the /admin/docs reader's client-credentials
    // Authorize) are same-origin, not a third party's.
    clientBasedCORS: (ctx, origin, client) => {
      if (origin === 'null') return false;
      if (origin === new URL(config.issuer).origin) return true;
      if (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
      return false;
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none', ...mtlsAuthMethods(config)] as NonNullable<Configuration['clientAuthMethods']>,
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
      // Apps showing PHI judge how fresh a sign-in is: every ID token says when it happened.
      require_auth_time: true,
    },
    enabledJWA: algorithms(config),
    // SMART identity, standalone launch context and online refresh (granted within the client's ceiling: consent/).
    scopes: ['openid', 'offline_access', 'email', 'profile', 'roles', 'groups', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter', 'online_access'],
    extraParams: smartParams(scopePolicy),
    loadExistingGrant: loadExistingGrant(scopePolicy),
    extraTokenClaims: extraTokenClaims(deps.ports),
    issueRefreshToken,
    extraClientMetadata,
    claims: SCOPE_CLAIMS,
    findAccount: findAccount(deps.ports, deps.findClaims),
    // The ID token carries the claims of the scopes granted (roles, groups, email, profile), not
    // only `openid`'s: hospital apps read a person's roles and groups from it. Nothing beyond the
    // consented scopes is added; userinfo answers the same.
    conformIdTokenClaims: false,
    acrValues: [ACR_PASSWORD, ACR_MFA],
    interactions: interactions(deps.ports.secondFactor),
    features: features(config, { dpopNonceSecret: deps.dpopNonceSecret, scopePolicy, findResourceServer: deps.findResourceServer }),
    rotateRefreshToken: shouldRotateRefreshToken,
    ttl: lifetimes(config),
    // Client jwks_uri, back-channel logout, request_uri: through the shared outbound policy (its
    // dispatcher replaces oidc-provider's own SSRF guard, which cannot honour our allowances).
    fetch: deps.outboundFetch,
    renderError: renderError(config),
  };
}

/** Session, interaction and resume cookies: signed, httpOnly, SameSite=Lax; Secure and __Host- on https. */
function cookies(config: AppConfig, keys: string[]): NonNullable<Configuration['cookies']> {
  const secure = config.issuer.startsWith('https://');
  return {
    keys,
    // __Host- binds the session cookie to this origin (Secure, Path=/, no Domain): https only.
    names: {
      session: secure ? '__Host-caduceus_session' : 'caduceus_session',
      interaction: 'caduceus_interaction',
      resume: 'caduceus_resume',
    },
    long: { httpOnly: true, sameSite: 'lax', secure },
    short: { httpOnly: true, sameSite: 'lax', secure },
  };
}
