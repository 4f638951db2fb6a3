import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';
import { judge, keysFor, windowOf, type RateLimitBucket } from './rate-limit.rules.js';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit.store.js';

export const RATE_LIMIT_CLOCK = Symbol('RATE_LIMIT_CLOCK');

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts a request under each of its keys and decides; a refusal is audited once per key and window. */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly store: RateLimitStore;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventBus,
    @Inject(RATE_LIMIT_CLOCK) private readonly now: () => number,
  ) {
    this.store = config.redisUrl ? new RedisRateLimitStore(config.redisUrl, now) : new MemoryRateLimitStore(now);
  }

  get enabled(): boolean {
    return this.config.rateLimit.enabled;
  }

  async onModuleInit(): Promise<void> {
    if (this.store instanceof RedisRateLimitStore) await this.store.connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }

  async check(bucket: RateLimitBucket, ip: string, clientId: string | null, requestId?: string): Promise<RateLimitDecision> {
    const limits = this.config.rateLimit;
    const { index, retryAfterSeconds } = windowOf(this.now(), limits.windowSeconds);
    let refused = false;
    for (const key of keysFor(bucket, ip, clientId, limits)) {
      const count = await this.store.hit(`${limits.redisPrefix}${key.bucket}:${key.kind}:${key.id}:${index}`, limits.windowSeconds * 2);
      if (count === null) continue;
      const verdict = judge(count, key.limit);
      if (verdict === 'allow') continue;
      refused = true;
      if (verdict === 'first_refusal') {
        await this.events
          .publish(
            'hardening.rate_limit.exceeded',
            {
              bucket,
              keyKind: key.kind,
              clientId: key.kind === 'client' ? key.id : null,
              ip,
              limit: key.limit,
              windowSeconds: limits.windowSeconds,
              retryAfterSeconds,
            },
            { correlationId: requestId, origin: { ip } },
          )
          // The refusal stands even if its record cannot be written (the database may be the thing being flooded).
          .catch((err: unknown) => this.logger.error(`rate-limit refusal not audited: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    return refused ? { allowed: false, retryAfterSeconds } : { allowed: true };
  }
}
