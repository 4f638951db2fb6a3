import type { Logger } from '@nestjs/common';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { ALLOWED_IP_RANGES_METADATA, ipRangeMatcher, MAX_CLIENT_IP_RANGES, normaliseIpRange } from '../clients/index.js';
import { currentRequestScope, type EventBus } from '../events/index.js';
import { clientAddressVerifiable } from '../hardening/index.js';

/**
 * The routes on which oidc-provider authenticates the client (the token endpoint family): the
 * only ones a per-client allow-list guards. The authorization endpoint names a client without
 * authenticating it and is reached by people's browsers, not by the client's servers.
 */
export const CLIENT_AUTH_ROUTES: ReadonlySet<string> = new Set([
  'token',
  'introspection',
  'revocation',
  'pushed_authorization_request',
  'backchannel_authentication',
  'device_authorization',
]);

/** extraClientMetadata validator of `allowed_ip_ranges`: normalised CIDR ranges, as the admin API stores them. */
export function validateAllowedIpRanges(value: unknown): void {
  if (value === undefined) return;
  const valid =
    Array.isArray(value) &&
    value.length <= MAX_CLIENT_IP_RANGES &&
    value.every((v) => typeof v === 'string' && normaliseIpRange(v) === v && !v.endsWith('/0'));
  if (!valid) throw new errors.InvalidClientMetadata(`allowed_ip_ranges must be an array of at most ${MAX_CLIENT_IP_RANGES} normalised CIDR ranges`);
}

/**
 * Per-client IP allow-lists (#10). Rules: on the token endpoint family, a client whose
 * registration lists `allowed_ip_ranges` is refused with `invalid_client` (401, as every other
 * client authentication failure) unless the request's address lies in one of them. The address
 * is the one the request scope carries, resolved by Fastify under TRUST_PROXY (the same the
 * audit trail records), so a caller cannot name its own through X-Forwarded-For; without an
 * address the call is refused. That holds only when TRUST_PROXY is unset (the socket's address)
 * or lists the proxies: with a count or `true` any peer that reaches an instance directly is
 * taken for the proxy and its X-Forwarded-For believed, so such a client is refused whatever
 * address it shows (`reason: address_unverifiable`) rather than let in on a claimed one. Each
 * refusal is published as `oidc.client.ip_refused`.
 *
 * Where: oidc-provider identifies the client inside its client-authentication step (from the
 * body, the Basic credentials or a client assertion) and records it with
 * `ctx.oidc.entity('Client', client)`; a middleware of our own runs either before the body is
 * parsed or after the token is issued. So the check wraps `entity` on this provider's
 * OIDCContext class (oidc-provider's own client-based CORS check hooks the same moment, through
 * the `assign.client` event `entity` emits). It runs before the client's credentials are
 * checked: a caller outside the networks learns nothing about them, and nothing (no token, no
 * introspection answer, no revocation) happens.
 */
export function installClientIpGuard(provider: Provider, bus: EventBus, logger: Logger, trustedProxies: boolean | number | string[]): void {
  const verifiable = clientAddressVerifiable(trustedProxies);
  const context = provider.OIDCContext.prototype as unknown as { entity(key: string, value: unknown): void };
  const assign = context.entity;
  context.entity = function entity(this: { ctx: KoaContextWithOIDC; route: string }, key: string, value: unknown): void {
    assign.call(this, key, value);
    if (key === 'Client' && CLIENT_AUTH_ROUTES.has(this.route)) refuseOutsideRanges(this.route, value as Record<string, unknown>, verifiable, bus, logger);
  };
}

function refuseOutsideRanges(route: string, client: Record<string, unknown>, verifiable: boolean, bus: EventBus, logger: Logger): void {
  const ranges = client[ALLOWED_IP_RANGES_METADATA];
  if (!Array.isArray(ranges) || ranges.length === 0) return;
  const ip = currentRequestScope()?.origin.ip;
  // Values that are not ranges never match: a damaged list refuses rather than opens.
  const allowed = ipRangeMatcher(ranges.filter((r): r is string => typeof r === 'string' && normaliseIpRange(r) === r));
  if (verifiable && allowed(ip)) return;
  const clientId = String(client.clientId);
  const reason = verifiable ? 'outside_ranges' : 'address_unverifiable';
  logger.warn(
    { clientId, ip, endpoint: route, reason },
    verifiable
      ? 'client call refused: address outside its allowed IP ranges'
      : 'client call refused: the client has allowed IP ranges, and with TRUST_PROXY a count or true any peer can name its own address; list the proxy addresses in TRUST_PROXY',
  );
  // Tracked by the request's delivery barrier: the refusal leaves only once its audit record is written.
  void bus.notify('oidc.client.ip_refused', { clientId, ip: ip ?? null, endpoint: route, reason }, { actor: { type: 'client', id: clientId } });
  throw new errors.InvalidClientAuth('the client may not call this endpoint from this address');
}
