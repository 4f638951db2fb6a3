import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitKey } from './rate-limit.rules.js';

/** One hit counted: the count in the key's window so far (this hit included) and the time until that window ends. */
export interface RateLimitCount {
  count: number;
  msBeforeNext: number;
}

/**
 * The counters behind the rate limits, on rate-limiter-flexible: one fixed-window limiter per
 * (bucket, key kind), holding one counter per IP or client_id. The rules (which keys, which
 * limits, what a refusal says) stay in rate-limit.rules.ts.
 */
export interface RateLimitCounters {
  /** Counts one hit on a key; null only when no counter at all could take it (the request then goes through). */
  hit(key: RateLimitKey): Promise<RateLimitCount | null>;
  close(): Promise<void>;
}

abstract class FlexibleCounters implements RateLimitCounters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(
    protected readonly prefix: string,
    protected readonly windowSeconds: number,
  ) {}

  protected abstract limiter(keyPrefix: string, points: number): RateLimiterAbstract;

  async hit(key: RateLimitKey): Promise<RateLimitCount | null> {
    const name = `${this.prefix}${key.bucket}:${key.kind}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = this.limiter(name, key.limit);
      this.limiters.set(name, limiter);
    }
    try {
      const res = await limiter.consume(key.id);
      return { count: res.consumedPoints, msBeforeNext: res.msBeforeNext };
    } catch (outcome) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the key is over its points, with an Error when the store failed.
      if (outcome instanceof RateLimiterRes) return { count: outcome.consumedPoints, msBeforeNext: outcome.msBeforeNext };
      return this.unreachable(outcome);
    }
  }

  protected unreachable(_err: unknown): RateLimitCount | null {
    return null;
  }

  abstract close(): Promise<void>;
}

/** One instance's counters: enough for a single instance, not shared between instances. */
export class MemoryRateLimitCounters extends FlexibleCounters {
  protected limiter(keyPrefix: string, points: number): RateLimiterAbstract {
    return new RateLimiterMemory({ keyPrefix, points, duration: this.windowSeconds });
  }

  async close(): Promise<void> {}
}

/** Counters shared by every instance through Redis (one Lua script per hit, run by rate-limiter-flexible). */
export class RedisRateLimitCounters extends FlexibleCounters {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private lastWarning = 0;
  private degraded = false;

  constructor(url: string, prefix: string, windowSeconds: number) {
    super(prefix, windowSeconds);
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      commandTimeout: 2000,
    });
    this.redis.on('error', (err: Error) => this.warn(err));
    this.redis.on('ready', () => {
      if (!this.degraded) return;
      this.degraded = false;
      this.lastWarning = 0;
      this.logger.log('rate-limit counters reachable again: counting is shared between instances');
    });
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      // ioredis keeps reconnecting by itself; until then this instance counts alone.
      this.warn(err);
    }
  }

  protected limiter(keyPrefix: string, points: number): RateLimiterAbstract {
    // rejectIfRedisNotReady: while ioredis is disconnected a hit goes to the insurance limiter at
    // once instead of waiting for a command timeout. The insurance limiter is this instance's own
    // memory counter with the same limit: the Redis-outage policy (whenCountersUnreachable).
    return new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix,
      points,
      duration: this.windowSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: whenCountersUnreachable(keyPrefix, points, this.windowSeconds),
    });
  }

  protected override unreachable(err: unknown): RateLimitCount | null {
    this.warn(err);
    return null;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private warn(err: unknown): void {
    const now = Date.now();
    const first = !this.degraded;
    this.degraded = true;
    if (!first && now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.logger.warn(
      `rate-limit counters unavailable (${err instanceof Error ? err.message : String(err)}): each instance counts on its own until Redis answers again`,
    );
  }
}

/**
 * The Redis-outage policy, decided here and nowhere else. Sign-in must not go down with the
 * counters, and the limits must not vanish with them either (a flood need not wait for Redis to
 * be lost). So a hit Redis cannot take is counted in this instance's memory instead (the Redis
 * limiter's `insuranceLimiter`): every instance keeps refusing above the limit on its own count
 * (with N instances a caller can reach N times the limit) until Redis answers again, when
 * counting is shared again. Account lockout and the sign-in failure budget live in PostgreSQL
 * and are not affected.
 */
export function whenCountersUnreachable(keyPrefix: string, points: number, windowSeconds: number): RateLimiterAbstract {
  return new RateLimiterMemory({ keyPrefix, points, duration: windowSeconds });
}
