import { formToken, formTokenValid } from '../common/csrf.js';

/**
 * The sign-in forms' CSRF token, bound to the interaction; checked together with the
 * interaction cookie oidc-provider already requires and the browser's origin signals.
 */
export function csrfToken(key: Buffer, interactionUid: string): string {
  return formToken(key, 'interaction', interactionUid);
}

export function csrfValid(key: Buffer, interactionUid: string, presented: unknown): boolean {
  return formTokenValid(key, 'interaction', interactionUid, presented);
}

export { sameOrigin } from '../common/csrf.js';
