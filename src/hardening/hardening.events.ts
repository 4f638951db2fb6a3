import type { RateLimitBucket, RateLimitKeyKind } from './rate-limit.rules.js';

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
}
