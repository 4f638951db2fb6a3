import type { FastifyInstance } from 'fastify';
import { basicClientId, bucketOf, refusalBody } from './rate-limit.rules.js';
import type { RateLimiter } from './rate-limiter.service.js';

/**
 * A Fastify onRequest hook rather than a Nest guard: the OIDC endpoints are raw Fastify routes
 * handed to oidc-provider (src/oidc/oidc.mount.ts), which Nest guards never see. It runs before
 * any body is read, so a refused request costs one counter increment.
 */
export function installRateLimits(fastify: FastifyInstance, limiter: RateLimiter): void {
  if (!limiter.enabled) return;
  fastify.addHook('onRequest', async (request, reply) => {
    const bucket = bucketOf(request.method, request.url);
    if (!bucket) return;
    const clientId = bucket === 'token' || bucket === 'introspect' ? basicClientId(request.headers.authorization) : null;
    const decision = await limiter.check(bucket, request.ip, clientId, request.id);
    if (decision.allowed) return;
    const { contentType, body } = refusalBody(bucket, decision.retryAfterSeconds);
    return reply
      .code(429)
      .header('Retry-After', String(decision.retryAfterSeconds))
      .header('Cache-Control', 'no-store')
      .header('Content-Type', contentType)
      .send(body);
  });
}
