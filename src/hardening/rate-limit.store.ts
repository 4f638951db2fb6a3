import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/** Counts hits on a key within one window; the key already names the window. */
export interface RateLimitStore {
  /** The count after this hit, or null when it cannot be counted at all (the limiter then lets the request through). */
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
 * Counters shared by every instance through Redis. Rules for a Redis outage: sign-in must not go
 * down with the counters, and the limits must not vanish with them either (a flood need not
 * wait for Redis to be lost). So a hit Redis cannot take is counted in this instance's memory
 * instead: every instance keeps refusing above the limit on its own count (with N instances a
 * caller can reach N times the limit) until Redis answers again, when counting is shared again.
 * The switch each way is logged once (and a lasting outage at most once a minute).
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly fallback: MemoryRateLimitStore;
  private lastWarning = 0;
  private degraded = false;

  constructor(url: string, now: () => number = Date.now) {
    this.fallback = new MemoryRateLimitStore(now);
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

  async hit(key: string, ttlSeconds: number): Promise<number> {
    if (this.redis.status === 'ready') {
      try {
        const result = await this.redis.multi().incr(key).expire(key, ttlSeconds).exec();
        const count = result?.[0]?.[1];
        if (typeof count === 'number') return count;
        this.warn(new Error('unexpected answer to INCR'));
      } catch (err) {
        this.warn(err);
      }
    }
    // Not connected (no wait for a dead server) or the command failed: count here.
    if (!this.degraded) this.warn(new Error(`Redis is ${this.redis.status}`));
    return this.fallback.hit(key, ttlSeconds);
  }

  async close(): Promise<void> {
    await this.fallback.close();
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
