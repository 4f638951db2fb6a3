import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';
import { MemoryRateLimitCounters, RedisRateLimitCounters, type RateLimitCounters } from './rate-limit.counters.js';
import { judge, keysFor, retryAfterSeconds, type RateLimitBucket } from './rate-limit.rules.js';

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts a request under each of its keys and decides; a refusal is audited once per key and window. */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly counters: RateLimitCounters;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventBus,
  ) {
    const { redisPrefix, windowSeconds } = config.rateLimit;
    this.counters = config.redisUrl
      ? new RedisRateLimitCounters(config.redisUrl, redisPrefix, windowSeconds)
      : new MemoryRateLimitCounters(redisPrefix, windowSeconds);
  }

  get enabled(): boolean {
    return this.config.rateLimit.enabled;
  }

  async onModuleInit(): Promise<void> {
    if (this.counters instanceof RedisRateLimitCounters) await this.counters.connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.counters.close();
  }

  async check(bucket: RateLimitBucket, ip: string, clientId: string | null, requestId?: string): Promise<RateLimitDecision> {
    const limits = this.config.rateLimit;
    let retryAfter = 0;
    for (const key of keysFor(bucket, ip, clientId, limits)) {
      const hit = await this.counters.hit(key);
      if (hit === null) continue;
      const verdict = judge(hit.count, key.limit);
      if (verdict === 'allow') continue;
      const keyRetryAfter = retryAfterSeconds(hit.msBeforeNext);
      retryAfter = Math.max(retryAfter, keyRetryAfter);
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
              retryAfterSeconds: keyRetryAfter,
            },
            { correlationId: requestId, origin: { ip } },
          )
          // The refusal stands even if its record cannot be written (the database may be the thing being flooded).
          .catch((err: unknown) => this.logger.error(`rate-limit refusal not audited: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    return retryAfter > 0 ? { allowed: false, retryAfterSeconds: retryAfter } : { allowed: true };
  }
}
