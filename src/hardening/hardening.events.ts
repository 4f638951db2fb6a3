import type { OutboundEvents } from '../outbound/outbound.events.js';
import type { RateLimitBucket, RateLimitKeyKind } from './rate-limit.rules.js';

/** Events the hardening module emits, and (until each module registers its own) the outbound module's. */
export interface HardeningEvents extends OutboundEvents {
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
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends HardeningEvents {}
}
