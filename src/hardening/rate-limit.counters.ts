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
      return this.unreachable(outcome, key);
    }
  }

  protected async unreachable(_err: unknown, _key: RateLimitKey): Promise<RateLimitCount | null> {
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

/** How long a Redis command may take before the counters count here instead (Redis answers in well under a millisecond). */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** While Redis is unreachable or stalled, how often it is asked (PING) whether it answers again. */
const REDIS_PROBE_INTERVAL_MS = 1000;

/**
 * Counters shared by every instance through Redis (one Lua script per hit, run by
 * rate-limiter-flexible). Rules: a hit Redis does not take (disconnected, refused, or no answer
 * within REDIS_COMMAND_TIMEOUT_MS: a stalled server keeps its socket open and answers nothing)
 * opens the breaker: from then on every hit is counted in this instance's memory at once, no
 * request waits on Redis, and a PING each second asks whether it
 * answers again; the first answer closes the breaker. Each switch is logged once.
 *
 * The Redis-outage policy, decided here and nowhere else. Sign-in must not go down with the
 * counters, and the limits must not vanish with them either (a flood need not wait for Redis to
 * be lost): every instance keeps refusing above the limit on its own count (with N instances a
 * caller can reach N times the limit) until Redis answers again, when counting is shared again.
 * Account lockout and the sign-in failure budget live in PostgreSQL and are not affected.
 */
export class RedisRateLimitCounters extends FlexibleCounters {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly local: MemoryRateLimitCounters;
  private open = false;
  private probe: NodeJS.Timeout | undefined;

  constructor(url: string, prefix: string, windowSeconds: number) {
    super(prefix, windowSeconds);
    this.local = new MemoryRateLimitCounters(prefix, windowSeconds);
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
    this.redis.on('error', (err: Error) => this.trip(err));
    this.redis.on('ready', () => this.recovered());
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      // ioredis keeps reconnecting by itself; until then this instance counts alone.
      this.trip(err);
    }
  }

  override async hit(key: RateLimitKey): Promise<RateLimitCount | null> {
    return this.open ? this.local.hit(key) : super.hit(key);
  }

  protected limiter(keyPrefix: string, points: number): RateLimiterAbstract {
    // rejectIfRedisNotReady: while ioredis is disconnected a hit fails at once instead of waiting
    // for a command timeout; unreachable() then counts it here.
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration: this.windowSeconds, rejectIfRedisNotReady: true });
  }

  protected override async unreachable(err: unknown, key: RateLimitKey): Promise<RateLimitCount | null> {
    this.trip(err);
    return this.local.hit(key);
  }

  async close(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Redis did not take a hit: count here from now on, and ask it each second whether it answers again. */
  private trip(err: unknown): void {
    if (this.open) return;
    this.open = true;
    this.logger.warn(
      `rate-limit counters unavailable (${err instanceof Error ? err.message : String(err)}): each instance counts on its own until Redis answers again`,
    );
    this.probe ??= setInterval(() => {
      if (this.redis.status !== 'ready') return; // reconnecting: 'ready' closes the breaker
      this.redis.ping().then(
        () => this.recovered(),
        () => undefined,
      );
    }, REDIS_PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private recovered(): void {
    if (!this.open) return;
    this.open = false;
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    this.logger.log('rate-limit counters reachable again: counting is shared between instances');
  }
}
