import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF defence shared by every server-rendered form: a token that is an HMAC, under the
 * server's CSRF secret, of what the form is for and what it is bound to (an interaction uid,
 * a browser session), so a token for one form or one sign-in is worthless for another.
 */
export function formToken(key: Buffer, purpose: string, binding: string): string {
  return createHmac('sha256', key).update(`csrf|${purpose}|${binding}`).digest('base64url');
}

export function formTokenValid(key: Buffer, purpose: string, binding: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(formToken(key, purpose, binding));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Rules: a browser that says where the form came from must say this origin. `Origin: null` is
 * what browsers send under `Referrer-Policy: no-referrer`, so it proves nothing either way and
 * the token decides; `Sec-Fetch-Site` other than same-origin (or a typed URL) is refused.
 */
export function sameOrigin(headers: { origin?: string; 'sec-fetch-site'?: string | string[] }, issuer: string): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined || origin === 'null') return true;
  return origin === new URL(issuer).origin;
}
