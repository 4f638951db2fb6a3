import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import type { ResourceServer } from '../clients/index.js';
import { isScopePolicyRefusal, type ScopePolicy } from './oidc.ports.js';

type ResourceClient = { clientId: string; resource_scopes?: string[] };

/** Runs a hook of the scope policy (consent's, through OIDC_SCOPE_POLICY), turning its refusals into oidc-provider errors. */
export async function withScopePolicy<T>(policy: ScopePolicy, run: (policy: ScopePolicy) => Promise<T>): Promise<T> {
  try {
    return await run(policy);
  } catch (err) {
    if (!isScopePolicyRefusal(err)) throw err;
    if (err.oauthError === 'invalid_scope') throw new errors.InvalidScope(err.message, '');
    if (err.oauthError === 'invalid_target') throw new errors.InvalidTarget(err.message);
    throw new errors.InvalidRequest(err.message);
  }
}

/** The SMART authorization parameters: `aud` (the FHIR server) and `launch` (EHR launch). */
export function smartParams(policy: ScopePolicy): NonNullable<Configuration['extraParams']> {
  return {
    aud: (ctx: KoaContextWithOIDC) => withScopePolicy(policy, (p) => p.checkAudience(ctx, smartAudience(ctx))),
    // SMART EHR launch: the launch value is resolved (and at /authorize taken, once) or the request refused.
    launch: (ctx: KoaContextWithOIDC) => withScopePolicy(policy, (p) => p.checkLaunch(ctx)),
  };
}

/**
 * Resource indicators (RFC 8707): a SMART request is narrowed to the client's ceiling and tied
 * to its FHIR server; any other indicator must name a registered resource server, whose scopes
 * are narrowed to the client's `resource_scopes` and whose token lifetime never exceeds ours.
 */
export function resourceIndicators(
  config: AppConfig,
  policy: ScopePolicy,
  findResourceServer: (identifier: string) => Promise<ResourceServer | null>,
) {
  return {
    enabled: true,
    defaultResource: async (ctx: KoaContextWithOIDC, client: ResourceClient, oneOf?: string[]) => {
      if (oneOf) return oneOf;
      smartAudience(ctx);
      await withScopePolicy(policy, (p) => p.shapeRequest(ctx, client));
      return withScopePolicy(policy, (p) => p.defaultResource(ctx));
    },
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx: KoaContextWithOIDC, indicator: string, client: ResourceClient) => {
      smartAudience(ctx);
      await withScopePolicy(policy, (p) => p.shapeRequest(ctx, client));
      const fhir = await withScopePolicy(policy, (p) => p.resourceServerInfo(ctx, indicator));
      if (fhir) return fhir;
      const resource = await findResourceServer(indicator);
      if (!resource) throw new errors.InvalidTarget(`unknown resource indicator`);
      return {
        scope: ceilingScopes(resource.scopes, client.resource_scopes).join(' '),
        audience: resource.audience,
        accessTokenFormat: resource.accessTokenFormat,
        accessTokenTTL: Math.min(resource.accessTokenTtl ?? config.ttl.accessToken, config.ttl.accessToken),
        ...(resource.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: resource.signingAlg as 'ES256' } } } : {}),
      };
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
 * A resource's scopes narrowed to the client's registered ceiling (`resource_scopes`).
 * Minimum necessary: a client with no ceiling gets no API scope at all, never every scope.
 */
export function ceilingScopes(resourceScopes: readonly string[], clientCeiling: readonly string[] | undefined): string[] {
  if (!clientCeiling?.length) return [];
  const allowed = new Set(clientCeiling);
  return resourceScopes.filter((s) => allowed.has(s));
}
