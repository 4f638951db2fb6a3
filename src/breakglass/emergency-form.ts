import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF token of the emergency forms: HMAC of the interaction uid under the server's CSRF key,
 * with a label of its own so a token of another form is not accepted here.
 */
export function emergencyCsrf(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(`breakglass|${uid}`).digest('base64url');
}

export function emergencyCsrfValid(key: Buffer, uid: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(emergencyCsrf(key, uid));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Rules: a browser that names the form's origin must name ours; cross-site fetch metadata is refused. */
export function sameSiteForm(headers: Record<string, string | string[] | undefined>, issuer: string): boolean {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined || origin === 'null') return true;
  return origin === new URL(issuer).origin;
}
