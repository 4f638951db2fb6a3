import type { FederationFailureReason } from './federation.events.js';

/** The HTTP status of the page a failed organisation sign-in ends on. */
export function failureStatus(reason: FederationFailureReason): number {
  switch (reason) {
    case 'upstream_unreachable':
      return 502;
    case 'domain_not_allowed':
    case 'email_missing':
    case 'account_exists_unlinkable':
    case 'user_disabled':
      return 403;
    case 'idp_disabled':
      return 404;
    default:
      return 400;
  }
}
