import { Inject, Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';
import type { ScopePolicy } from '../oidc/index.js';
import { ScopePolicyRefusal } from './scope-refusal.js';
import { launchNeeds } from './consent-decision.js';
import { ConsentRepository } from './consent.repository.js';
import { SmartContextService } from './smart-context.service.js';
import { launchTokenParameters } from './smart-launch.js';
import { SmartLaunchService } from './smart-launch.service.js';
import { parseScope, shapeScopes } from './smart-scopes.js';

/** Scopes that belong in a FHIR server's token besides clinical ones (SMART identity, context, refresh). */
const FHIR_TOKEN_SCOPES = new Set(['openid', 'profile', 'fhirUser', 'offline_access', 'online_access', 'launch', 'launch/patient', 'launch/encounter']);

type Client = { clientId: string; resource_scopes?: string[] };
type TokenLike = { grantId?: string; scope?: string; resourceServer?: { identifier(): string }; accountId?: string };

/**
 * The consent module's scope policy for the OpenID Provider: narrows every request to the
 * client's ceiling (SMART algebra), refuses malformed SMART scopes, ties SMART requests to the
 * FHIR server named by `aud`, describes each configured FHIR server as a resource server, and
 * puts the launch context into access tokens and token responses.
 */
@Injectable()
export class SmartScopePolicy implements ScopePolicy {
  /** Requests already narrowed (the provider may ask more than once per request). */
  private readonly shaped = new WeakSet<object>();
  /** Launch context of the token being issued, for the token response (set while issuing, read at grant.success). */
  private readonly responseContext = new WeakMap<object, Record<string, unknown>>();
  private readonly listening = new WeakSet<object>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly repo: ConsentRepository,
    private readonly smart: SmartContextService,
    private readonly launches: SmartLaunchService,
  ) {}

  /** The configured FHIR base URL a value names (trailing slashes ignored), or undefined. */
  fhirBase(value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    const normalised = value.replace(/\/+$/, '');
    return this.config.smart.fhirBaseUrls.find((base) => base === normalised);
  }

  /**
   * SMART EHR launch. Rules: a `launch` parameter or the `launch` scope (after narrowing to the
   * client's ceiling) needs the other; the launch must be this client's, for the FHIR server in
   * `aud`, unexpired and unused. At /authorize it is taken (once, atomically); at PAR it is only
   * checked, and taken when the pushed request reaches /authorize.
   */
  async checkLaunch(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, unknown>;
    const client = ctx.oidc.client as unknown as Client | undefined;
    if (!client) return;
    await this.launches.use({
      value: params.launch,
      launchScope: tokens(params.scope).includes('launch'),
      clientId: client.clientId,
      aud: typeof params.aud === 'string' ? params.aud : typeof params.resource === 'string' ? params.resource : undefined,
      consume: ctx.oidc.route === 'authorization',
    });
  }

  /**
   * Rules: `aud` must name a FHIR server this service protects; with `resource` as well, both
   * must name the same server.
   */
  async checkAudience(ctx: KoaContextWithOIDC, value: string | undefined): Promise<void> {
    if (value === undefined) return;
    const base = this.fhirBase(value);
    if (!base) throw new ScopePolicyRefusal('invalid_request', 'aud does not name a FHIR server this authorization server protects');
    const resource = ctx.oidc.params?.resource;
    const resources = Array.isArray(resource) ? resource : resource ? [resource] : [];
    if (resources.some((r) => this.fhirBase(r) !== base)) {
      throw new ScopePolicyRefusal('invalid_request', 'aud and resource name different servers');
    }
  }

  async shapeRequest(ctx: KoaContextWithOIDC, client: Client): Promise<void> {
    if (this.shaped.has(ctx)) return;
    this.shaped.add(ctx);
    const params = ctx.oidc.params as Record<string, unknown> | undefined;
    const raw = typeof params?.scope === 'string' ? params.scope : '';
    const asked = raw.split(' ').filter(Boolean);
    const requested = this.offlineAccessStripped(ctx, asked) ? [...asked, 'offline_access'] : asked;
    if (!requested.length) return;
    const outcome = shapeScopes(requested, client.resource_scopes ?? []);
    if (outcome.malformed.length) {
      throw new ScopePolicyRefusal('invalid_scope', `malformed SMART scope: ${outcome.malformed.join(' ')}`);
    }
    if (outcome.scopes.join(' ') === asked.join(' ')) return;
    params!.scope = outcome.scopes.length ? outcome.scopes.join(' ') : undefined;
    if (!outcome.removed.length && outcome.scopes.every((s) => requested.includes(s))) return;
    await this.bus.publish(
      'scopes.narrowed',
      { clientId: client.clientId, endpoint: String(ctx.oidc.route ?? 'unknown'), requested, granted: outcome.scopes, removed: outcome.removed },
      { actor: { type: 'client', id: client.clientId } },
    );
  }

  /**
   * SMART apps ask for `offline_access` without `prompt=consent`, which OpenID Connect Core §11
   * otherwise requires (and oidc-provider enforces by dropping the scope). For a SMART request
   * the consent step is the "other condition" §11 allows: the consent page lists the refresh
   * access, and a later sign-in only reuses a consent that included it. Rules: only at the
   * authorization endpoints, only for a SMART request (aud, or SMART scopes), only when the
   * request itself asked for it and the client may use refresh tokens.
   */
  private offlineAccessStripped(ctx: KoaContextWithOIDC, requested: string[]): boolean {
    if (requested.includes('offline_access') || !['authorization', 'pushed_authorization_request'].includes(String(ctx.oidc.route))) return false;
    const params = ctx.oidc.params as Record<string, unknown>;
    const smart = params.aud !== undefined || requested.some((s) => parseScope(s).kind !== 'other');
    const client = ctx.oidc.client as unknown as { grantTypeAllowed(type: string): boolean } | undefined;
    if (!smart || !client?.grantTypeAllowed('refresh_token')) return false;
    return originalScopes(ctx).includes('offline_access');
  }

  /**
   * Rules: a request naming `aud` is for that FHIR server; a SMART request without it is refused
   * at the authorization endpoint (SMART requires `aud`), and at the token endpoint (backend
   * services) goes to the only configured FHIR server; anything else names no default.
   */
  async defaultResource(ctx: KoaContextWithOIDC): Promise<string | undefined> {
    const params = ctx.oidc.params as Record<string, unknown>;
    if (params.aud !== undefined) {
      const base = this.fhirBase(params.aud);
      if (!base) throw new ScopePolicyRefusal('invalid_request', 'aud does not name a FHIR server this authorization server protects');
      return base;
    }
    const scopes = tokens(params.scope);
    if (!scopes.some((s) => ['clinical', 'launch-context'].includes(parseScope(s).kind))) return undefined;
    if (ctx.oidc.route !== 'token') throw new ScopePolicyRefusal('invalid_request', 'SMART scopes need the aud parameter naming the FHIR server');
    const bases = this.config.smart.fhirBaseUrls;
    if (bases.length !== 1) throw new ScopePolicyRefusal('invalid_target', 'name the FHIR server with the resource parameter');
    return bases[0];
  }

  /**
   * A configured FHIR server as a resource server: opaque access tokens (so revocation shows at
   * introspection at once) whose audience is the server's base URL, carrying the SMART scopes of
   * this request (already narrowed), or of the code or refresh token being exchanged.
   */
  async resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string): Promise<Record<string, unknown> | undefined> {
    const base = this.fhirBase(indicator);
    if (!base) return undefined;
    const entities = ctx.oidc.entities as Record<string, { scope?: string } | undefined>;
    const source = entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? entities.DeviceCode?.scope;
    const client = ctx.oidc.client as unknown as Client | undefined;
    const candidates = [...new Set([...tokens((ctx.oidc.params as Record<string, unknown> | undefined)?.scope), ...tokens(source)])];
    // A ceiling lowered since the consent applies from the next exchange on.
    const { scopes } = shapeScopes(candidates, client?.resource_scopes ?? []);
    const fhirScopes = scopes.filter((s) => FHIR_TOKEN_SCOPES.has(s) || parseScope(s).kind === 'clinical');
    return { scope: fhirScopes.join(' '), audience: base, accessTokenFormat: 'opaque' };
  }

  /** A request that needs a patient must not reuse the session's grant: each launch chooses its patient. */
  async mayReuseSessionGrant(ctx: KoaContextWithOIDC): Promise<boolean> {
    const params = ctx.oidc.params as Record<string, unknown>;
    return params.launch === undefined && !launchNeeds(tokens(params.scope)).patient;
  }

  /**
   * Rules: only access tokens for a FHIR server carry launch context; `patient` when the token
   * has `launch/patient` or a `patient/` scope, `encounter` with `launch/encounter`, `fhirUser`
   * with `fhirUser`; the context is the one chosen when this provider grant was made, and only
   * while the consent stands. `patient` and `encounter` also go into the token response.
   */
  async extraTokenClaims(ctx: KoaContextWithOIDC, token: unknown): Promise<Record<string, unknown> | undefined> {
    const t = token as TokenLike;
    if (!t.grantId || !t.resourceServer || !this.fhirBase(t.resourceServer.identifier())) return undefined;
    const scopes = tokens(t.scope);
    const needs = launchNeeds(scopes);
    const claims: Record<string, unknown> = {};
    // EHR launch: the context is the one the EHR created, whole (patient, encounter, fhirContext, banner, style).
    const ehr = scopes.includes('launch') ? await this.launches.contextOfGrant(t.grantId) : null;
    if (ehr) {
      Object.assign(claims, launchTokenParameters(ehr));
      this.addToTokenResponse(ctx, { ...claims });
    } else if (needs.patient || needs.encounter) {
      const context = await this.repo.findLaunchContext(t.grantId);
      if (needs.patient && context?.patientId) claims.patient = context.patientId;
      if (needs.encounter && context?.encounterId) claims.encounter = context.encounterId;
    }
    if (!ehr && Object.keys(claims).length) this.addToTokenResponse(ctx, claims);
    if (scopes.includes('fhirUser') && t.accountId) {
      const fhirUser = await this.smart.fhirUserOf(t.accountId);
      if (fhirUser) claims.fhirUser = fhirUser;
    }
    return Object.keys(claims).length ? claims : undefined;
  }

  async accountClaims(accountId: string): Promise<Record<string, unknown>> {
    const fhirUser = await this.smart.fhirUserOf(accountId);
    return fhirUser ? { fhirUser } : {};
  }

  /**
   * SMART sends launch context as token response parameters. oidc-provider builds the response
   * in its grant handler and then emits `grant.success` synchronously with the same context,
   * before the body is written: the listener adds the parameters there.
   */
  private addToTokenResponse(ctx: KoaContextWithOIDC, params: Record<string, unknown>): void {
    this.responseContext.set(ctx, { ...params });
    const provider = ctx.oidc.provider;
    if (this.listening.has(provider)) return;
    this.listening.add(provider);
    provider.on('grant.success', (done: KoaContextWithOIDC) => {
      const extra = this.responseContext.get(done);
      if (!extra || !done.body || typeof done.body !== 'object') return;
      const body = done.body as Record<string, unknown>;
      for (const [name, value] of Object.entries(extra)) if (value !== undefined && body[name] === undefined) body[name] = value;
    });
  }
}

/** The scope as the app sent it: query, form body, or the (pushed) request object. */
function originalScopes(ctx: KoaContextWithOIDC): string[] {
  const body = (ctx.oidc.body ?? {}) as Record<string, unknown>;
  const query = (ctx.query ?? {}) as Record<string, unknown>;
  const pushed = (ctx.oidc.entities as { PushedAuthorizationRequest?: { request?: string } }).PushedAuthorizationRequest?.request;
  const found = [...tokens(query.scope), ...tokens(body.scope)];
  for (const object of [pushed, body.request, query.request]) {
    if (typeof object !== 'string') continue;
    try {
      found.push(...tokens(decodeJwt(object).scope));
    } catch {
      // not a JWT: nothing to read
    }
  }
  return found;
}

function tokens(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}
