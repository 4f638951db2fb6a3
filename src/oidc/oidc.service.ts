import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ClientsService } from '../clients/index.js';
import { KeysService } from '../keys/index.js';
import { EventBus, type BusEvent } from '../events/index.js';
import { AdvisoryLockService, DatabaseHealth } from '../database/index.js';
import { createAdapterClass } from './oidc-adapter.js';
import { OidcArtifactRepository } from './oidc-artifact.repository.js';
import { buildProviderConfiguration, OIDC_ROUTES } from './provider-config.js';
import { bridgeProviderEvents, tokenRef } from './provider-events.js';
import { databaseOutage, outagePage } from './database-outage.js';
import { bridgeSessionEvents } from './session-events.js';
import { logoutContinuation } from './logout-continuation.js';
import { IdentityService } from '../identity/index.js';
import { PoliciesService } from '../policies/index.js';
import { withLiveLifetimes } from './live-lifetimes.js';
import { installClientIpGuard } from './client-ip-guard.js';
import { mtlsRegistrationProblem } from './client-certificate.js';
import { OutboundHttp } from '../outbound/index.js';
import { HeldAccessTokens } from './held-access-tokens.js';
import { introspectionAllowed, reportIntrospectionRefused } from './introspection-policy.js';
import { PublishedDocuments } from './published-documents.js';
import { OidcPorts } from './oidc.ports.js';

type Callback = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The only place that touches oidc-provider. Builds the Provider from the database-backed
 * adapter, the sealed keystore and the clients registry, and hands its request callback to
 * the HTTP mount for the OIDC paths only. When the published keystore changes (keys.rotated,
 * from this instance or noticed from another), a new Provider is built with the new keystore
 * and swapped in with one assignment: requests already running finish on the old one.
 */
@Injectable()
export class OidcService implements OnModuleInit {
  private readonly logger = new Logger(OidcService.name);
  private provider?: Provider;
  private handler?: Callback;
  private loadedFingerprint?: string;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly artifacts: OidcArtifactRepository,
    private readonly clients: ClientsService,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
    private readonly locks: AdvisoryLockService,
    private readonly identity: IdentityService,
    private readonly policies: PoliciesService,
    private readonly database: DatabaseHealth,
    private readonly outbound: OutboundHttp,
    private readonly held: HeldAccessTokens,
    private readonly ports: OidcPorts,
  ) {}

  async onModuleInit(): Promise<void> {
    // ES256 always (the default for clients and access tokens), plus every configured SIGNING_ALGS.
    await this.keys.ensureActiveKeys(['ES256', ...this.config.keys.signingAlgs]);
    await this.install();
  }

  /**
   * Reloads the keystore. Errors propagate (suppressErrors: false) so the keys module retries
   * the announcement at its next poll; until then the previous Provider keeps serving.
   */
  @OnEvent('keys.rotated', { suppressErrors: false })
  async onKeystoreChanged(event: BusEvent<'keys.rotated'>): Promise<void> {
    const run = this.reloading.catch(() => undefined).then(async () => {
      if (event.payload.fingerprint === this.loadedFingerprint) return;
      await this.install();
      this.logger.log({ fingerprint: this.loadedFingerprint, origin: event.payload.origin }, 'OpenID Provider reloaded with the new signing keystore');
    });
    this.reloading = run;
    await run;
  }

  private async install(): Promise<void> {
    const { provider, fingerprint, documents } = await this.buildProvider();
    this.provider = provider;
    // /jwks and discovery are kept by the Provider that published them, so a new keystore
    // (a new Provider) is served from the first request after the swap.
    this.handler = documents.wrap(provider.callback());
    this.loadedFingerprint = fingerprint;
    // Registrations the provider would refuse at sign-in are refused when they are made.
    this.clients.useProviderValidator(async (metadata) => {
      const problem = mtlsRegistrationProblem(this.config, metadata);
      if (problem) throw Object.assign(new Error(problem.message), problem);
      await this.current.Client.validate(metadata as never);
    });
  }

  /** The current Provider (it may be rebuilt when keys change: never cache it). */
  get current(): Provider {
    if (!this.provider) throw new Error('the OpenID Provider is not initialised yet');
    return this.provider;
  }

  /** Request handler for the mounted OIDC routes. */
  get callback(): Callback {
    if (!this.handler) throw new Error('the OpenID Provider is not initialised yet');
    return this.handler;
  }

  /** Deletes expired artifacts; one instance at a time. Signed-in sessions that ran out are reported. */
  async cleanupExpired(): Promise<number> {
    const outcome = await this.locks.tryWithLock('caduceus:oidc-cleanup', () => this.artifacts.deleteExpired());
    if (!outcome.ran) return 0;
    for (const session of outcome.result.expiredSessions) {
      await this.bus.publish('auth.session.expired', session);
    }
    return outcome.result.deleted;
  }

  /**
   * Rules: a JWT access token (not stored by oidc-provider) counts only while it is ours and
   * signed by a published key, its client is still registered and enabled, and the person it
   * was issued to (when it is not the client itself) is still active: disabling either ends
   * the token at once, as it does for stored tokens. A token for a held audience counts only
   * while the service still holds its record (revoked by its client, it is inactive).
   */
  private async liveJwtClaims(provider: Provider, token: string): Promise<Record<string, unknown> | null> {
    const claims = await this.keys.verifyAccessToken(token, this.config.issuer);
    if (!claims || typeof claims.client_id !== 'string' || !(await provider.Client.find(claims.client_id))) return null;
    if (typeof claims.sub === 'string' && claims.sub !== claims.client_id && !(await this.identity.claims(claims.sub))) return null;
    // A token for a held audience (the admin API) lives only while its record does: revoked or ended, it is inactive.
    if (this.held.holds(claims.aud) && (typeof claims.jti !== 'string' || !(await this.held.heldClaims(claims.jti)))) return null;
    return claims;
  }

  private async buildProvider(): Promise<{ provider: Provider; fingerprint: string; documents: PublishedDocuments }> {
    const keystore = await this.keys.loadSigningKeystore();
    const configuration = buildProviderConfiguration(withLiveLifetimes(this.config, this.policies), {
      adapter: createAdapterClass(this.artifacts, this.clients),
      keystore,
      cookieKeys: [(await this.keys.getSecret('oidc-cookie-key')).toString('base64url')],
      dpopNonceSecret: await this.keys.getSecret('dpop-nonce-secret'),
      findResourceServer: (identifier) => this.clients.findResourceServer(identifier),
      findClaims: async (accountId) => (await this.identity.claims(accountId)) as Record<string, unknown> | null,
      outboundFetch: this.outbound.fetchFor('client'),
      ports: this.ports,
    });
    // Awaited before the token is signed and returned: a held token is recorded before anyone can present it.
    const held = this.held;
    configuration.formats = {
      ...configuration.formats,
      customizers: {
        ...configuration.formats?.customizers,
        jwt: async (ctx, token, jwt) => {
          Object.assign(jwt.payload, signInClaims(ctx, token as { accountId?: string; clientId?: string }));
          await held.record(token as object, jwt.payload as Record<string, unknown>);
        },
      },
    };
    const provider = new Provider(this.config.issuer, configuration);
    provider.proxy = this.config.trustProxy;
    // Stored client secrets are keyed hashes: compare the presented secret through the registry.
    const clients = this.clients;
    provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
      return this.clientSecret ? clients.verifySecret(actual, this.clientSecret) : false;
    };
    provider.use(databaseOutage(() => this.database.ping(1000), () => outagePage(this.config.brand)));
    bridgeProviderEvents(provider, this.bus, this.logger);
    bridgeSessionEvents(provider, this.bus);
    installClientIpGuard(provider, this.bus, this.logger, this.config.trustedProxies);
    const documents = new PublishedDocuments(this.config.keys.jwksMaxAgeSeconds, () => provider.proxy);
    provider.use(documents.middleware());
    provider.use(jwtIntrospection((token) => this.liveJwtClaims(provider, token)));
    provider.use(heldJwtRevocation(this.held, (token) => this.keys.verifyAccessToken(token, this.config.issuer), this.bus));
    provider.use(logoutContinuation(this.ports.logoutContinuation));
    return { provider, fingerprint: keystore.fingerprint, documents };
  }
}

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

const INTROSPECTION_BODY_LIMIT = 56 * 1024;
const INTROSPECTED_CLAIMS = ['iss', 'sub', 'aud', 'client_id', 'scope', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'acr', 'amr', 'cnf'] as const;

/**
 * Introspection of our JWT access tokens (RFC 9068). oidc-provider refuses structured tokens
 * at /introspect, so a resource server could not learn that a token signed by a revoked key is
 * dead. Rules: oidc-provider still authenticates the caller (the JWT is swapped for a value
 * that matches no token, so its own answer is `active: false`); then, for an authenticated
 * caller, the JWT is active only if it is ours (issuer, `typ: at+jwt`), unexpired and signed by
 * a key still published (a revoked key is not), and only to its own client or a resource server
 * in its audience (introspection-policy.ts).
 */
function jwtIntrospection(verify: (token: string) => Promise<Record<string, unknown> | null>): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== OIDC_ROUTES.introspection || !ctx.is('application/x-www-form-urlencoded')) return next();
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > INTROSPECTION_BODY_LIMIT) return next();
    const raw = await readBody(ctx.req, INTROSPECTION_BODY_LIMIT);
    if (!raw) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
      return;
    }
    const params = new URLSearchParams(raw.toString('utf8'));
    const tokens = params.getAll('token');
    const jwt = tokens.length === 1 && isJwt(tokens[0]!) ? tokens[0]! : undefined;
    if (jwt) params.set('token', `caduceus-jwt-${randomBytes(16).toString('hex')}`);
    refeedBody(ctx.req, jwt ? Buffer.from(params.toString()) : raw);
    await next();
    const client = ctx.oidc?.client;
    if (!jwt || !client || ctx.status !== 200 || (ctx.body as { active?: unknown })?.active !== false) return;
    const claims = await verify(jwt);
    if (!claims) return;
    const token = { kind: 'AccessToken', jti: typeof claims.jti === 'string' ? claims.jti : undefined, clientId: claims.client_id, aud: claims.aud };
    if (!introspectionAllowed(client, token)) {
      reportIntrospectionRefused(ctx, client, token);
      return;
    }
    const answer: Record<string, unknown> = { active: true, token_type: 'Bearer' };
    for (const claim of INTROSPECTED_CLAIMS) if (claims[claim] !== undefined) answer[claim] = claims[claim];
    ctx.body = answer;
  };
}

/**
 * RFC 7009 for the JWT access tokens the service holds (admin tokens, see HeldAccessTokens).
 * Rules: oidc-provider stores no JWT and refuses to revoke one (unsupported_token_type), so a
 * held JWT is swapped for an unknown opaque value and the provider authenticates the client and
 * answers as for any unknown token (200); then, if the token verifies and was issued to that
 * client, its record is deleted (audited as oidc.token.revoked) before the answer leaves, and the
 * admin API refuses it at the next request. Another client's request changes nothing (still 200).
 * A JWT for an audience whose tokens are not held still gets the provider's answer.
 */
function heldJwtRevocation(
  held: HeldAccessTokens,
  verify: (token: string) => Promise<Record<string, unknown> | null>,
  bus: EventBus,
): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== OIDC_ROUTES.revocation || !ctx.is('application/x-www-form-urlencoded')) return next();
    if (Number(ctx.get('content-length') || 0) > INTROSPECTION_BODY_LIMIT) return next();
    const raw = await readBody(ctx.req, INTROSPECTION_BODY_LIMIT);
    if (!raw) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
      return;
    }
    const params = new URLSearchParams(raw.toString('utf8'));
    const tokens = params.getAll('token');
    const jwt = tokens.length === 1 && isJwt(tokens[0]!) ? tokens[0]! : undefined;
    const claims = jwt ? claimsOf(jwt) : undefined;
    // A token for a held audience is revocable here; without its record it is already invalid (200, RFC 7009 §2.2).
    const revocable = claims !== undefined && typeof claims.jti === 'string' && held.holds(claims.aud);
    const jti = revocable ? (claims.jti as string) : undefined;
    const record = jti ? await held.heldClaims(jti) : undefined;
    if (revocable) params.set('token', `caduceus-jwt-${randomBytes(16).toString('hex')}`);
    refeedBody(ctx.req, revocable ? Buffer.from(params.toString()) : raw);
    await next();
    const client = ctx.oidc?.client;
    if (!record || !jwt || !jti || !client || ctx.status !== 200) return;
    const verified = await verify(jwt);
    if (!verified || verified.jti !== jti || verified.client_id !== client.clientId || record.client_id !== client.clientId) return;
    const forgotten = await held.forget(jti);
    if (!forgotten) return;
    await bus.publish(
      'oidc.token.revoked',
      { kind: 'AccessToken', tokenRef: tokenRef(jti), clientId: client.clientId, accountId: forgotten.accountId ?? null, grantId: forgotten.grantId ?? null },
      { actor: { type: 'client', id: client.clientId } },
    );
  };
}

function claimsOf(jwt: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(jwt);
  } catch {
    return undefined;
  }
}

function isJwt(value: string): boolean {
  try {
    return value.split('.').length === 3 && !!decodeProtectedHeader(value);
  } catch {
    return false;
  }
}

/** The whole body, or undefined when it exceeds the limit. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Hands oidc-provider the (possibly rewritten) body as if the request stream were still unread:
 * its body reader checks `readable`, iterates the stream and compares the Content-Length.
 */
function refeedBody(req: IncomingMessage, body: Buffer): void {
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: async function* iterator() {
      yield body;
    },
  });
  req.headers['content-length'] = String(body.length);
  delete req.headers['transfer-encoding'];
}


/**
 * RFC 9068 §2.2.1: a JWT access token issued for a person says how they signed in (`amr`, `acr`,
 * `auth_time`), taken from the code or refresh token it was exchanged for. A resource server
 * that demands MFA (the admin API) reads it here; a token without a person carries none.
 */
export function signInClaims(ctx: KoaContextWithOIDC | undefined, token: { accountId?: string; clientId?: string }): Record<string, unknown> {
  if (!token.accountId || token.accountId === token.clientId) return {};
  const entities = ctx?.oidc?.entities as { AuthorizationCode?: SignInRecord; RefreshToken?: SignInRecord } | undefined;
  const from = entities?.AuthorizationCode ?? entities?.RefreshToken;
  if (!from) return {};
  return {
    ...(Array.isArray(from.amr) && from.amr.length > 0 ? { amr: [...from.amr] } : {}),
    ...(typeof from.acr === 'string' ? { acr: from.acr } : {}),
    ...(typeof from.authTime === 'number' ? { auth_time: from.authTime } : {}),
  };
}

interface SignInRecord {
  amr?: string[];
  acr?: string;
  authTime?: number;
}
