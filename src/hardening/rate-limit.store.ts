import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/** Counts hits on a key within one window; the key already names the window. */
export interface RateLimitStore {
  /** The count after this hit, or null when the counter cannot be reached (the limiter then lets the request through). */
  hit(key: string, ttlSeconds: number): Promise<number | null>;
  close(): Promise<void>;
}

/** One instance's counters: enough for a single instance, not shared between instances. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, ttlSeconds: number): Promise<number> {
    const now = this.now();
    if (this.counters.size > 10_000) this.sweep(now);
    const entry = this.counters.get(key);
    if (!entry || entry.expiresAt <= now) {
      this.counters.set(key, { count: 1, expiresAt: now + ttlSeconds * 1000 });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }

  async close(): Promise<void> {
    this.counters.clear();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}

/**
 * Counters shared by every instance through Redis. A Redis outage must not take sign-in down
 * with it: a failed hit answers null and the request goes through (logged, at most once a minute).
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(url: string) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      commandTimeout: 2000,
    });
    this.redis.on('error', (err: Error) => this.warn(err));
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      // ioredis keeps reconnecting by itself; until then requests are not counted.
      this.warn(err);
    }
  }

  async hit(key: string, ttlSeconds: number): Promise<number | null> {
    try {
      const result = await this.redis.multi().incr(key).expire(key, ttlSeconds).exec();
      const count = result?.[0]?.[1];
      return typeof count === 'number' ? count : null;
    } catch (err) {
      this.warn(err);
      return null;
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.logger.warn(`rate-limit counters unavailable, requests are not being limited: ${err instanceof Error ? err.message : String(err)}`);
  }
}
