import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF defence for the sign-in forms: a token bound to the interaction (HMAC of its uid under
 * a server secret), checked with the interaction cookie oidc-provider already requires, plus
 * an Origin check when the browser sends one.
 */
export function csrfToken(key: Buffer, interactionUid: string): string {
  return createHmac('sha256', key).update(`csrf|${interactionUid}`).digest('base64url');
}

export function csrfValid(key: Buffer, interactionUid: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfToken(key, interactionUid));
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
