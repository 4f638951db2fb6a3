import { formToken, formTokenValid, sameOrigin } from '../common/csrf.js';

/**
 * The emergency forms' CSRF token: the shared form token (src/common/csrf.ts) with a purpose of
 * its own, so a token of another form is not accepted here.
 */
export function emergencyCsrf(key: Buffer, uid: string): string {
  return formToken(key, 'breakglass', uid);
}

export function emergencyCsrfValid(key: Buffer, uid: string, presented: unknown): boolean {
  return formTokenValid(key, 'breakglass', uid, presented);
}

/** The shared origin rules (src/common/csrf.ts) for the emergency forms. */
export function sameSiteForm(headers: Record<string, string | string[] | undefined>, issuer: string): boolean {
  return sameOrigin(headers as { origin?: string; 'sec-fetch-site'?: string | string[] }, issuer);
}
