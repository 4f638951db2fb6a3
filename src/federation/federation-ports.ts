import type { EventActor } from '../events/index.js';

/**
 * What federation/ needs from the OpenID Provider (oidc/), as an injection token the
 * composition root binds (src/app/federation-ports.module.ts): federation/ never imports oidc/.
 */
export interface LocalSessionEnder {
  /** Ends every browser session of the person here (an upstream logout); how many were ended. */
  endAllSessionsOf(userId: string, actor: EventActor): Promise<number>;
}

export const FEDERATION_SESSION_ENDER = Symbol('FEDERATION_SESSION_ENDER');
