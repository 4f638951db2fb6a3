import { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_MFA, ACR_PASSWORD, mfaRequested } from '../mfa/mfa-policy.js';
import type { AppConfig } from '../config/index.js';
import { ENCRYPTION_ALGS, ENCRYPTION_ENCS, type ResourceServer } from '../clients/index.js';
import type { SigningKeystore } from '../keys/index.js';
import { errorPage, logoutConfirmPage, logoutDonePage } from '../ui/index.js';
import { ALLOWED_IP_RANGES_METADATA } from '../clients/index.js';
import { mtlsAuthMethods, mtlsFeature } from './client-certificate.js';
import { validateAllowedIpRanges } from './client-ip-guard.js';
import { introspectionAllowed, reportIntrospectionRefused, type IntrospectedToken, type IntrospectionCaller } from './introspection-policy.js';

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
  /** 32 bytes shared by every instance: DPoP nonces are derived from it, not stored. */
  dpopNonceSecret: Buffer;
  findResourceServer(identifier: string): Promise<ResourceServer | null>;
  /** Claims of an active account, or null when it is unknown or disabled. */
  findClaims(accountId: string): Promise<Record<string, unknown> | null>;
  /** The outbound HTTP policy's fetch (outbound/OutboundHttp) for calls to client URLs. */
  outboundFetch: typeof globalThis.fetch;
}

/**
 * The protocol defaults of DESIGN.md: code flow only, PKCE S256 always, exact redirect URIs,
 * no implicit or password grant, `iss` in authorization responses, short TTLs, refresh tokens
 * rotated on every use (reuse revokes the grant) except sender-constrained ones of clients that
 * authenticate with a private key (FAPI 2.0), dev-only features off.
 */
export function buildProviderConfiguration(config: AppConfig, deps: ProviderDependencies): Configuration {
  const secureCookies = config.issuer.startsWith('https://');
  return {
    adapter: deps.adapter,
    jwks: { keys: deps.keystore.keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: deps.cookieKeys,
      // __Host- binds the session cookie to this origin (Secure, Path=/, no Domain): https only.
      names: {
        session: secureCookies ? '__Host-caduceus_session' : 'caduceus_session',
        interaction: 'caduceus_interaction',
        resume: 'caduceus_resume',
      },
      long: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
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
    enabledJWA: {
      // Tokens we sign: only the algorithms the keys module keeps an active key for (SIGNING_ALGS),
      // so discovery promises nothing we could not sign and a client pinned to another is invalid.
      idTokenSigningAlgValues: [...config.keys.signingAlgs],
      userinfoSigningAlgValues: [...config.keys.signingAlgs],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      // SMART backend services: the server validates client assertions signed with ES384 or RS384.
      clientAuthSigningAlgValues: [...SIGNING_ALGS, 'ES384', 'RS384'],
      requestObjectSigningAlgValues: [...SIGNING_ALGS],
      // JWE of ID tokens and userinfo (#10) to the client's registered key: RSA-OAEP-256 or ECDH-ES with
      // A256GCM (clients/client-encryption.ts). No symmetric key management (A*KW, dir): it would use
      // the client secret, stored here only as a keyed hash.
      idTokenEncryptionAlgValues: [...ENCRYPTION_ALGS],
      idTokenEncryptionEncValues: [...ENCRYPTION_ENCS],
      userinfoEncryptionAlgValues: [...ENCRYPTION_ALGS],
      userinfoEncryptionEncValues: [...ENCRYPTION_ENCS],
      introspectionEncryptionAlgValues: [...ENCRYPTION_ALGS],
      introspectionEncryptionEncValues: [...ENCRYPTION_ENCS],
      authorizationEncryptionAlgValues: [...ENCRYPTION_ALGS],
      authorizationEncryptionEncValues: [...ENCRYPTION_ENCS],
      // Encrypted request objects are refused: the provider has no encryption key of its own, and
      // oidc-provider would treat one decrypted with the (hashed) client secret as trusted.
      requestObjectEncryptionAlgValues: [],
      requestObjectEncryptionEncValues: [],
    },
    // SMART identity, standalone launch context and online refresh (granted within the client's ceiling: consent/).
    scopes: ['openid', 'offline_access', 'email', 'profile', 'roles', 'groups', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter', 'online_access'],
    extraParams: {
      aud: (ctx: KoaContextWithOIDC) => withScopePolicy(config, (p) => p.checkAudience(ctx, smartAudience(ctx))),
      // SMART EHR launch: the launch value is resolved (and at /authorize taken, once) or the request refused.
      launch: (ctx: KoaContextWithOIDC) => withScopePolicy(config, (p) => p.checkLaunch(ctx)),
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const resumed = ctx.oidc.result?.consent?.grantId as string | undefined;
      const reuse = !resumed && (await withScopePolicy(config, (p) => p.mayReuseSessionGrant(ctx))) !== false;
      const grantId = resumed ?? (reuse ? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId) : undefined);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    extraTokenClaims: async (ctx, token) => {
      const smart = await withScopePolicy(config, (p) => p.extraTokenClaims(ctx, token));
      const emergency = await emergencyClaims(config, ctx, 'AccessToken', token as { clientId?: string; scope?: string });
      await recordDisclosure(config, token, smart, emergency);
      return emergency ? { ...smart, ...emergency } : smart;
    },
    // online_access (SMART): a refresh token that ends with the session (expiresWithSession, as without offline_access).
    // An emergency session cannot be extended: no refresh token is ever issued in one.
    issueRefreshToken: async (_ctx, client, code) =>
      !isEmergencyAmr((code as { amr?: unknown }).amr) &&
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    extraClientMetadata: {
      properties: ['resource_scopes', ALLOWED_IP_RANGES_METADATA],
      validator: (_ctx, key, value) => {
        if (key === ALLOWED_IP_RANGES_METADATA) return validateAllowedIpRanges(value);
        if (key !== 'resource_scopes' || value === undefined) return;
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/.test(v))) {
          throw new errors.InvalidClientMetadata('resource_scopes must be an array of scope tokens');
        }
      },
    },
    claims: {
      // How the user authenticated (acr, amr, auth_time) belongs in every ID token, so apps that
      // show PHI can tell a password from a second factor without asking for it specially.
      auth_time: null,
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time', 'emergency_access', 'breakglass_session'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      roles: ['roles'],
      groups: ['groups'],
      fhirUser: ['fhirUser'],
    },
    findAccount: async (ctx, accountId, token) => {
      const claims = await deps.findClaims(accountId);
      if (!claims) return undefined;
      // The SMART account claims (fhirUser) cost a query: only when the token's scope asks for them.
      const extra = async (scope: string | undefined) =>
        scope === undefined || scope.split(' ').includes('fhirUser')
          ? ((await withScopePolicy(config, (p) => p.accountClaims(accountId))) ?? {})
          : {};
      return {
        accountId,
        claims: async (use: string, scope?: string) => ({
          ...(await extra(scope)),
          ...claims,
          ...(use === 'id_token' ? await emergencyClaims(config, ctx, 'IdToken', token as { clientId?: string; scope?: string }) : undefined),
          sub: accountId,
        }),
      };
    },
    // The ID token carries the claims of the scopes granted (roles, groups, email, profile), not
    // only `openid`'s: hospital apps read a person's roles and groups from it. Nothing beyond the
    // consented scopes is added; userinfo answers the same.
    conformIdTokenClaims: false,
    acrValues: [ACR_PASSWORD, ACR_MFA],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: signInPolicy() },
    // The typings model features as a union keyed on openid4vci; this object is checked at run time by oidc-provider.
    features: {
      // Sender-constrained tokens (RFC 9449). Server nonces are always required, so a proof
      // generated in advance by someone holding a stolen key is useless.
      dPoP: { enabled: true, nonceSecret: deps.dpopNonceSecret, requireNonce: () => true, allowReplay: false },
      devInteractions: { enabled: false },
      // RFC 8705 with TLS ended at the proxy: client certificates from CLIENT_CERT_HEADER (client-certificate.ts).
      mTLS: mtlsFeature(config),
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only to the token's own client or a resource server in its audience (introspection-policy.ts),
        // and a token whose client is disabled or deleted is inactive to anyone who asks.
        allowedPolicy: async (ctx: KoaContextWithOIDC, client: IntrospectionCaller, token: IntrospectedToken & { clientId?: string }) => {
          if (token.clientId === client.clientId) return true;
          if (!introspectionAllowed(client, token)) {
            reportIntrospectionRefused(ctx, client, token);
            return false;
          }
          return Boolean(token.clientId && (await ctx.oidc.provider.Client.find(token.clientId)));
        },
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // JWE ID tokens and userinfo for clients that register an encryption key; oidc-provider
      // answers userinfo as a JWT (signed, then encrypted) only with jwtUserinfo on.
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          ctx.body = logoutConfirmPage(config.brand, form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = logoutDonePage(config.brand);
        },
      },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // JAR (RFC 9101): request objects verified with the client's registered keys (asymmetric
      // algorithms only, never alg none); clients may be required to use them (require_signed_request_object).
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      registration: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx: KoaContextWithOIDC, client: { clientId: string; resource_scopes?: string[] }, oneOf?: string[]) => {
          if (oneOf) return oneOf;
          smartAudience(ctx);
          await withScopePolicy(config, (p) => p.shapeRequest(ctx, client));
          return withScopePolicy(config, (p) => p.defaultResource(ctx));
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx: KoaContextWithOIDC, indicator: string, client: { clientId: string; resource_scopes?: string[] }) => {
          smartAudience(ctx);
          await withScopePolicy(config, (p) => p.shapeRequest(ctx, client));
          const fhir = await withScopePolicy(config, (p) => p.resourceServerInfo(ctx, indicator));
          if (fhir) return fhir;
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
    rotateRefreshToken: shouldRotateRefreshToken,
    ttl: {
      AccessToken: (ctx, token) =>
        emergencyCapped(config, ctx, Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken, config.ttl.accessToken)),
      ClientCredentials: (_ctx, token) =>
        Math.min(token.resourceServer?.accessTokenTTL ?? config.ttl.clientCredentials, config.ttl.clientCredentials),
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: (ctx) => emergencyCapped(config, ctx, config.ttl.idToken),
      Interaction: config.ttl.interaction,
      Session: (_ctx, session) =>
        isEmergencyAmr(session.amr) ? emergencySessionTtl(config, session.loginTs) : sessionTtl(config, session.loginTs),
      Grant: config.ttl.refreshTokenAbsolute,
      RefreshToken: (_ctx, token) => refreshTokenTtl(config, token.iiat ?? token.iat),
    },
    // Client jwks_uri, back-channel logout, request_uri: through the shared outbound policy (its
    // dispatcher replaces oidc-provider's own SSRF guard, which cannot honour our allowances).
    fetch: deps.outboundFetch,
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(config.brand, out.error, out.error_description);
    },
  };
}

/**
 * The SMART `aud` authorization parameter shares its name with the `aud` claim of a request
 * object (JAR, and the object PAR stores), which names this issuer (RFC 9101 §4). For a request
 * that came as a request object, the issuer is removed from `params.aud` (in place, before any
 * policy reads it), so only a FHIR server named besides it remains the SMART `aud`.
 */
export function smartAudience(ctx: KoaContextWithOIDC): string | undefined {
  const params = ctx.oidc.params as Record<string, unknown> | undefined;
  if (!params || params.aud === undefined) return undefined;
  const body = ctx.oidc.body as Record<string, unknown> | undefined;
  const viaRequestObject =
    'PushedAuthorizationRequest' in ctx.oidc.entities || typeof body?.request === 'string' || typeof ctx.query?.request === 'string';
  if (viaRequestObject) {
    const rest = (Array.isArray(params.aud) ? params.aud : [params.aud]).filter((a) => a !== ctx.oidc.issuer);
    params.aud = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest;
  }
  return params.aud as string | undefined;
}

/**
 * Client authentication methods that prove possession of a private key (a signed assertion or
 * the TLS client certificate), as FAPI 2.0 requires of confidential clients; a shared secret is
 * not one of them.
 */
const KEY_BOUND_CLIENT_AUTH: ReadonlySet<string> = new Set(['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * Refresh token rotation: every refresh token rotates on use (reuse revokes the family, RFC 9700
 * §4.14.2), with one exception, FAPI 2.0's (§5.3.2.1): a client that authenticates with a private
 * key (`private_key_jwt`, `tls_client_auth`, `self_signed_tls_client_auth`) AND whose refresh is
 * sender-constrained (a DPoP proof on the request, mTLS-bound tokens, or a token bound to a key)
 * keeps its refresh token: using it takes both the client's key and the bound key, so a stolen
 * token alone is worthless. It is replaced only once 70% of its lifetime has passed, so the idle
 * timeout never cuts off an active app; the absolute limit of the family still holds. A client
 * authenticated by a secret rotates whatever it sends: a DPoP header costs nothing to add and
 * must not switch rotation off. The DPoP header counts only because oidc-provider's refresh
 * grant validates the proof (signature, htm/htu, nonce, replay) before it asks this question and
 * fails the request on a bad one.
 */
export function shouldRotateRefreshToken(ctx: KoaContextWithOIDC): boolean {
  const { RefreshToken: token, Client: client } = ctx.oidc.entities as {
    RefreshToken: { isSenderConstrained(): boolean; ttlPercentagePassed(): number };
    Client: { clientAuthMethod: string; tlsClientCertificateBoundAccessTokens?: boolean };
  };
  if (!KEY_BOUND_CLIENT_AUTH.has(client.clientAuthMethod)) return true;
  const senderConstrained = token.isSenderConstrained() || Boolean(ctx.get('DPoP')) || client.tlsClientCertificateBoundAccessTokens === true;
  if (!senderConstrained) return true;
  return token.ttlPercentagePassed() >= 70;
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

/**
 * oidc-provider's base prompts, plus step-up: a request whose acr_values ask for the MFA level
 * re-opens the login prompt when the session's authentication did not reach it, so the app
 * gets a fresh second factor inside an existing session.
 */
export function signInPolicy() {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_step_up', 'the requested authentication level needs a second factor', (ctx) => {
      const oidc = ctx.oidc as unknown as { params: Record<string, unknown>; session: { accountId?: string; acr?: string }; result?: { login?: unknown } };
      if (!mfaRequested(oidc.params.acr_values)) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (oidc.session.accountId && oidc.session.acr === ACR_MFA) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}

/**
 * A session is saved (and its expiry pushed out) on every request that uses it, so expiring it
 * `idle` seconds after the last use is the idle logoff; it never outlives login + absolute.
 */
export function sessionTtl(config: Pick<AppConfig, 'ttl'>, loginTs: number | undefined, now = Date.now()): number {
  const idle = config.ttl.sessionIdle;
  if (!loginTs) return idle;
  const remaining = loginTs + config.ttl.sessionAbsolute - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}

/** Idle TTL, but never beyond the absolute end counted from the first issue of the family. */
export function refreshTokenTtl(config: Pick<AppConfig, 'ttl'>, initialIssuedAt: number | undefined, now = Date.now()): number {
  const idle = config.ttl.refreshTokenIdle;
  if (!initialIssuedAt) return idle;
  const remaining = initialIssuedAt + config.ttl.refreshTokenAbsolute - Math.floor(now / 1000);
  return Math.max(1, Math.min(idle, remaining));
}

/** The amr value an emergency (break-glass) sign-in carries: the session is short and never extended. */
export const AMR_EMERGENCY = 'emergency';

export function isEmergencyAmr(amr: unknown): boolean {
  return Array.isArray(amr) && amr.includes(AMR_EMERGENCY);
}

/** Rules: an emergency session ends breakGlass.sessionSeconds after its sign-in, whatever its use; never later than a normal one. */
export function emergencySessionTtl(config: Pick<AppConfig, 'ttl' | 'breakGlass'>, loginTs: number | undefined, now = Date.now()): number {
  if (!loginTs) return 1;
  const remaining = loginTs + config.breakGlass.sessionSeconds - Math.floor(now / 1000);
  return Math.max(1, Math.min(sessionTtl(config, loginTs, now), remaining));
}

/**
 * Rules: a token issued from an emergency sign-in (the code or refresh token being exchanged
 * carries amr `emergency`) never outlives the emergency session: its lifetime is the normal one
 * capped at what the session has left (at least 1 s, so the provider can still issue it).
 */
export function emergencyTokenTtl(
  config: Pick<AppConfig, 'ttl' | 'breakGlass'>,
  signIn: { amr?: unknown; authTime?: number } | undefined,
  normal: number,
  now = Date.now(),
): number {
  if (!signIn || !isEmergencyAmr(signIn.amr)) return normal;
  return Math.min(normal, emergencySessionTtl(config, signIn.authTime, now));
}

function emergencyCapped(config: Pick<AppConfig, 'ttl' | 'breakGlass'>, ctx: KoaContextWithOIDC | undefined, normal: number): number {
  return emergencyTokenTtl(config, signInOf(ctx), normal);
}

/** The sign-in a token comes from is the code or refresh token being exchanged: only those carry amr and auth_time. */
function signInOf(ctx: KoaContextWithOIDC | undefined): SignIn | undefined {
  const entities = (ctx?.oidc?.entities ?? {}) as { AuthorizationCode?: SignIn; RefreshToken?: SignIn };
  return entities.AuthorizationCode ?? entities.RefreshToken;
}

/** What the break-glass module lends the provider: the claims marking a token issued in an emergency session. */
export interface EmergencyPolicy {
  /** Claims for a token of this sign-in (account, login time), or undefined outside a live emergency session; audits the issue. */
  tokenClaims(input: { accountId: string; loginTs: number; clientId: string; kind: 'IdToken' | 'AccessToken'; scope: string | null }): Promise<Record<string, unknown> | undefined>;
}

// A symbol-keyed property rather than a WeakMap: the provider may be built from a Proxy of the configuration (live lifetimes), which a property read passes through.
const EMERGENCY_POLICY = Symbol('caduceus.emergencyPolicy');

export function registerEmergencyPolicy(config: AppConfig, policy: EmergencyPolicy): void {
  Object.defineProperty(config, EMERGENCY_POLICY, { value: policy, configurable: true, enumerable: false });
}

/** A token that carries a patient's launch context, for the accounting of disclosures (45 CFR 164.528). */
export interface Disclosure {
  patientId: string;
  encounterId: string | null;
  clientId: string;
  accountId: string | null;
  scope: string | null;
  grantId: string | null;
  breakGlassSession: string | null;
}

const DISCLOSURE_RECORDER = Symbol('caduceus.disclosureRecorder');

export function registerDisclosureRecorder(config: AppConfig, record: (d: Disclosure) => Promise<void>): void {
  Object.defineProperty(config, DISCLOSURE_RECORDER, { value: record, configurable: true, enumerable: false });
}

/** Awaited: a token that discloses a patient's context is not issued without its record. */
async function recordDisclosure(config: AppConfig, token: unknown, smart: Record<string, unknown> | undefined, emergency: Record<string, unknown> | undefined) {
  const record = (config as unknown as { [DISCLOSURE_RECORDER]?: (d: Disclosure) => Promise<void> })[DISCLOSURE_RECORDER];
  const t = token as { clientId?: string; accountId?: string; scope?: string; grantId?: string };
  if (!record || typeof smart?.patient !== 'string' || !t.clientId) return;
  await record({
    patientId: smart.patient,
    encounterId: typeof smart.encounter === 'string' ? smart.encounter : null,
    clientId: t.clientId,
    accountId: t.accountId ?? null,
    scope: t.scope ?? null,
    grantId: t.grantId ?? null,
    breakGlassSession: typeof emergency?.breakglass_session === 'string' ? emergency.breakglass_session : null,
  });
}

async function emergencyClaims(
  config: AppConfig,
  ctx: KoaContextWithOIDC | undefined,
  kind: 'IdToken' | 'AccessToken',
  token: { clientId?: string; scope?: string } | undefined,
): Promise<Record<string, unknown> | undefined> {
  const policy = (config as unknown as { [EMERGENCY_POLICY]?: EmergencyPolicy })[EMERGENCY_POLICY];
  const signIn = signInOf(ctx);
  if (!policy || !signIn || !isEmergencyAmr(signIn.amr) || !signIn.accountId || !signIn.authTime) return undefined;
  return policy.tokenClaims({
    accountId: signIn.accountId,
    loginTs: signIn.authTime,
    clientId: token?.clientId ?? signIn.clientId ?? '',
    kind,
    scope: token?.scope ?? signIn.scope ?? null,
  });
}

interface SignIn {
  amr?: string[];
  accountId?: string;
  authTime?: number;
  clientId?: string;
  scope?: string;
}

/**
 * What the consent module lends the provider: SMART scope narrowing and launch context. The
 * provider asks for it at request time (the consent module registers after the provider is
 * built), per issuer, so two applications in one process (tests) never share one.
 */
export interface ScopePolicy {
  /** Resolves the SMART `launch` parameter of an authorization request (throw ScopePolicyRefusal to refuse). */
  checkLaunch(ctx: KoaContextWithOIDC): Promise<void>;
  /** Validates the SMART `aud` authorization parameter (throw ScopePolicyRefusal to refuse). */
  checkAudience(ctx: KoaContextWithOIDC, value: string | undefined): Promise<void>;
  /** Narrows `ctx.oidc.params.scope` to the client's ceiling, refusing malformed SMART scopes. */
  shapeRequest(ctx: KoaContextWithOIDC, client: { clientId: string; resource_scopes?: string[] }): Promise<void>;
  /** The resource a SMART request is for when it names none (its FHIR server). */
  defaultResource(ctx: KoaContextWithOIDC): Promise<string | undefined>;
  /** The resource server description of a FHIR server this service protects, or undefined for any other indicator. */
  resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string): Promise<Record<string, unknown> | undefined>;
  /** False when a request must not reuse the grant of the browser session (a new launch context is needed). */
  mayReuseSessionGrant(ctx: KoaContextWithOIDC): Promise<boolean>;
  /** Launch context and fhirUser of an access token. */
  extraTokenClaims(ctx: KoaContextWithOIDC, token: unknown): Promise<Record<string, unknown> | undefined>;
  /** Claims an account has beyond identity's (fhirUser). */
  accountClaims(accountId: string): Promise<Record<string, unknown>>;
}

/** A refusal a ScopePolicy throws; the provider answers it with the OAuth error of that code. */
export class ScopePolicyRefusal extends Error {
  constructor(
    readonly code: 'invalid_scope' | 'invalid_request' | 'invalid_target',
    description: string,
  ) {
    super(description);
  }
}

const scopePolicies = new Map<string, ScopePolicy>();

export function registerScopePolicy(config: Pick<AppConfig, 'issuer'>, policy: ScopePolicy): void {
  scopePolicies.set(config.issuer, policy);
}

/** Runs a policy hook (if a policy is registered), turning its refusals into oidc-provider errors. */
async function withScopePolicy<T>(config: AppConfig, run: (policy: ScopePolicy) => Promise<T>): Promise<T | undefined> {
  const policy = scopePolicies.get(config.issuer);
  if (!policy) return undefined;
  try {
    return await run(policy);
  } catch (err) {
    if (!(err instanceof ScopePolicyRefusal)) throw err;
    if (err.code === 'invalid_scope') throw new errors.InvalidScope(err.message, '');
    if (err.code === 'invalid_target') throw new errors.InvalidTarget(err.message);
    throw new errors.InvalidRequest(err.message);
  }
}
