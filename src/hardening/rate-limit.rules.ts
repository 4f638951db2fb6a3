import type { AppConfig } from '../config/index.js';

/**
 * Which requests are rate limited, under which keys, and what a refusal says. Pure functions:
 * the hook and the stores hold no rules of their own.
 *
 * Counting is a fixed window per key, opened by the key's first request (rate-limiter-flexible,
 * in memory or in Redis): simple, and a burst at a window edge can reach at most twice the limit,
 * which is acceptable for a brake on brute force and floods (account lockout in src/auth stays
 * the precise control).
 */
export type RateLimitBucket = 'token' | 'introspect' | 'sign_in' | 'admin';
export type RateLimitKeyKind = 'ip' | 'client';

export interface RateLimitKey {
  bucket: RateLimitBucket;
  kind: RateLimitKeyKind;
  /** The client IP or the claimed client_id. */
  id: string;
  limit: number;
}

/** The surface a request belongs to, or null when it is not rate limited. */
export function bucketOf(method: string, url: string): RateLimitBucket | null {
  const path = url.split('?', 1)[0] ?? '';
  if (path === '/admin' || path.startsWith('/admin/')) return 'admin';
  if (method !== 'POST') return null;
  if (path === '/token') return 'token';
  if (path === '/introspect') return 'introspect';
  if (path.startsWith('/interaction/')) return 'sign_in';
  // The account console's forms (step-up codes, current password) and the first-run setup link (#20).
  if (path === '/account' || path.startsWith('/account/') || path.startsWith('/setup/')) return 'sign_in';
  return null;
}

/**
 * The client_id claimed in HTTP Basic credentials (RFC 6749 2.3.1: form-encoded), read without
 * verifying the secret: a spoofed id can only spend that client's budget from an IP that has its
 * own, smaller budget, so the per-IP limit bounds what one attacker can take from a client.
 */
export function basicClientId(authorization: string | undefined): string | null {
  if (!authorization || authorization.length > 2048) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=._-]+)\s*$/i.exec(authorization);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    return id.length > 0 && id.length <= 200 ? id : null;
  } catch {
    return null;
  }
}

/** The keys one request is counted under: always its IP, and its client where it names one. */
export function keysFor(bucket: RateLimitBucket, ip: string, clientId: string | null, limits: AppConfig['rateLimit']): RateLimitKey[] {
  switch (bucket) {
    case 'token':
      return withClient([{ bucket, kind: 'ip', id: ip, limit: limits.tokenPerIp }], bucket, clientId, limits.tokenPerClient);
    case 'introspect':
      return withClient([{ bucket, kind: 'ip', id: ip, limit: limits.introspectPerIp }], bucket, clientId, limits.introspectPerClient);
    case 'sign_in':
      return [{ bucket, kind: 'ip', id: ip, limit: limits.signInPerIp }];
    case 'admin':
      return [{ bucket, kind: 'ip', id: ip, limit: limits.adminPerIp }];
  }
}

function withClient(keys: RateLimitKey[], bucket: RateLimitBucket, clientId: string | null, limit: number): RateLimitKey[] {
  return clientId ? [...keys, { bucket, kind: 'client', id: clientId, limit }] : keys;
}

/** Whole seconds until a counting window ends, for Retry-After (at least 1). */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/** The count after this request, judged: over the limit refuses; exactly one over is the first refusal (audited once per key and window). */
export function judge(count: number, limit: number): 'allow' | 'first_refusal' | 'refuse' {
  if (count <= limit) return 'allow';
  return count === limit + 1 ? 'first_refusal' : 'refuse';
}

/** The refusal body in the dialect of the surface refused. */
export function refusalBody(bucket: RateLimitBucket, retryAfterSeconds: number): { contentType: string; body: string } {
  const detail = `Too many requests; retry after ${retryAfterSeconds} seconds.`;
  switch (bucket) {
    case 'admin':
      return {
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail }),
      };
    case 'token':
    case 'introspect':
      // RFC 6749 error shape: clients already treat temporarily_unavailable as "try later".
      return { contentType: 'application/json', body: JSON.stringify({ error: 'temporarily_unavailable', error_description: detail }) };
    case 'sign_in':
      return { contentType: 'text/plain; charset=utf-8', body: `Too many sign-in attempts from your network. Please wait ${retryAfterSeconds} seconds and try again.` };
  }
}
