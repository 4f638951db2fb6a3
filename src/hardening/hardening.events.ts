import type { OutboundRefusalReason } from '../common/outbound-http.js';
import type { RateLimitBucket, RateLimitKeyKind } from './rate-limit.rules.js';

/** Who asked for an outbound call: oidc-provider for a client (jwks_uri, back-channel logout, request_uri), federation, webhooks. */
export type OutboundPurpose = 'client' | 'upstream_idp' | 'webhook';

/** Events the hardening module emits. */
export interface HardeningEvents {
  /**
   * A key went over its limit: published once per key and window (the first refused request),
   * so a flood leaves one record per window rather than one per request.
   */
  'hardening.rate_limit.exceeded': {
    bucket: RateLimitBucket;
    keyKind: RateLimitKeyKind;
    /** The claimed client_id when the key is a client (not verified: the request was refused before authentication). */
    clientId: string | null;
    ip: string | null;
    limit: number;
    windowSeconds: number;
    retryAfterSeconds: number;
  };
  /**
   * An outbound call was refused by the outbound HTTP policy: not https, a private, loopback or
   * link-local address (judged on the address connected to), a redirect, or an oversized response.
   */
  'hardening.outbound.refused': {
    purpose: OutboundPurpose;
    /** The URL without query or fragment (a host name alone when the refusal came from its DNS answer). */
    target: string;
    reason: OutboundRefusalReason;
    /** The refused address, when the refusal was about one. */
    address: string | null;
    detail: string;
  };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends HardeningEvents {}
}
