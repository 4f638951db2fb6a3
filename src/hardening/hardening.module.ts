/**
 * hardening/ owns the request rate limits on the token, introspection, sign-in and admin surfaces
 * (rate-limiter-flexible counters in Redis when REDIS_URL is set, in memory otherwise), their refusal event, and the
 * input-shape limits (admin JSON depth, OIDC query parameter count, length and scopes). Calls to
 * configured URLs are outbound/'s (OutboundHttp).
 * Exports RateLimiter. Never authenticates anyone and never reads an OIDC request body (oidc-provider
 * owns those): it judges a request by its path, query, IP (which honours TRUST_PROXY) and claimed client_id.
 */
import { Module, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { installInputLimits } from './input-limits.js';
import { installRateLimits } from './rate-limit.hook.js';
import { RateLimiter } from './rate-limiter.service.js';

@Module({
  providers: [RateLimiter],
  exports: [RateLimiter],
})
export class HardeningModule implements OnModuleInit {
  constructor(
    private readonly limiter: RateLimiter,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Before the server listens (Fastify applies root hooks to every route at ready time, the OIDC mount included). */
  onModuleInit(): void {
    const instance = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!instance || typeof instance.addHook !== 'function') return;
    installRateLimits(instance, this.limiter);
    installInputLimits(instance);
  }
}
