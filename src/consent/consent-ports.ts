import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoredAuthorization } from './consent.repository.js';

export interface ProviderRevocation {
  /** Provider grants that still existed and were destroyed. */
  providerGrants: number;
  /** Back-channel logout notifications the app acknowledged. */
  notified: number;
}

/**
 * What consent/ needs from the OpenID Provider (oidc/), as an injection token the composition
 * root binds (src/app/consent-ports.module.ts): consent/ never imports oidc/.
 */
export interface ConsentProvider {
  /** The account signed in on this browser (the provider's session cookie), or null. */
  signedIn(req: FastifyRequest, reply: FastifyReply): Promise<{ accountId: string; sessionUid: string } | null>;
  /** The app as the provider knows it (registered and enabled), or undefined. */
  findApp(clientId: string): Promise<{ clientName?: string } | undefined>;
  /**
   * Takes a consent back on the provider's side: the grants' tokens and codes revoked and the
   * grants destroyed, the sessions forget the app's authorisation, a back-channel logout app is told.
   */
  revokeGrants(accountId: string, clientId: string, authorizations: readonly StoredAuthorization[]): Promise<ProviderRevocation>;
}

export const CONSENT_PROVIDER = Symbol('CONSENT_PROVIDER');
