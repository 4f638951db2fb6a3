import type { OutboundRefusalReason } from './outbound-http.js';

/** Who asked for an outbound call: oidc-provider for a client (jwks_uri, back-channel logout, request_uri), federation, webhooks. */
export type OutboundPurpose = 'client' | 'upstream_idp' | 'webhook';

/** Events the outbound module emits (still named `hardening.*`: the event names are part of the audit trail). */
export interface OutboundEvents {
  /**
   * An outbound call was refused by the outbound HTTP policy: not https, a private, loopback or
   * link-local address (judged on the address connected to), a redirect, or an oversized response.
   */
  'hardening.outbound.refused': {
    purpose: OutboundPurpose;
    /** The URL without query or fragment (a host name alone when the refusal came from its DNS answer). */
    target: string;
    reason: OutboundRefusalReason;
    /** The refused address, when the refusal was about one. */
    address: string | null;
    detail: string;
  };
}
