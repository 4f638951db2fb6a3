import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'caduceus-signature';

/**
 * `Caduceus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is
 * signed with the body, so a receiver can refuse replays older than a few minutes.
 */
export function signatureHeader(secret: Buffer, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/** What a receiver does: recompute and compare in constant time, within a tolerance window. */
export function verifySignature(secret: Buffer, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(hmac(secret, t, body));
  const actual = Buffer.from(parts.v1);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function hmac(secret: Buffer, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

// About four and a half hours of retries in all before a delivery is given up (and that is audited).
export const MAX_ATTEMPTS = 16;

/** Exponential backoff after the n-th failed attempt: 1s, 2s, 4s ... capped at one hour; after MAX_ATTEMPTS the delivery fails for good. */
export function nextAttemptDelaySeconds(attemptsSoFar: number): number | null {
  if (attemptsSoFar >= MAX_ATTEMPTS) return null;
  return Math.min(3600, 2 ** Math.max(0, attemptsSoFar - 1));
}
