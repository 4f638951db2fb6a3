import type { OutboundRefusedError } from '../outbound/index.js';

/** The outbound HTTP policy, as far as a subscription check needs it (outbound/OutboundHttp). */
export interface OutboundUrlPolicy {
  urlRefusal(url: string): OutboundRefusedError | null;
  hostAllowed(hostname: string): boolean;
  allowsLoopback(url: string): boolean;
}

/**
 * Rules for a webhook target when it is subscribed: an absolute URL without credentials or
 * fragment that the outbound policy could call (https; http only to a literal loopback host with
 * OUTBOUND_ALLOW_LOOPBACK; no literal private address unless allowed), and no intranet name
 * (localhost, *.local, *.internal) unless OUTBOUND_ALLOW_PRIVATE names it. Where a name resolves
 * is judged at each delivery, on the address connected to. Returns the reason, or null.
 */
export function urlRefusal(raw: string, policy: OutboundUrlPolicy): string | null {
  if (!URL.canParse(raw)) return 'is not an absolute URL';
  const url = new URL(raw);
  if (url.hash) return 'must not have a fragment';
  switch (policy.urlRefusal(raw)?.reason) {
    case undefined:
      break;
    case 'credentials_in_url':
      return 'must not carry credentials';
    case 'address_refused':
      return 'must not point at a private, loopback or link-local address';
    case 'invalid_url':
      return 'is not an absolute URL';
    default:
      return 'must be an https URL';
  }
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' && !policy.allowsLoopback(raw)) return 'must be a public host';
  const intranet = host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local');
  if (intranet && !policy.hostAllowed(host)) return 'must be a public host';
  return null;
}
