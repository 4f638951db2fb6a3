import { Logger } from '@nestjs/common';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';

/** The session that has just ended here, and where the browser was about to be sent. */
export interface EndedSession {
  accountId: string;
  /** The session's authentication methods (`fed` for a sign-in through an upstream IdP). */
  amr: string[];
  /** The client's post_logout_redirect_uri (with its state), or our own "signed out" page. */
  continueTo: string;
}

/**
 * What another module lends the provider at the end of a logout: a URL to send the browser to
 * first (which must bring it back to `continueTo` in the end), or null to go there directly.
 * Federation uses it to end the upstream IdP's session too.
 */
export type LogoutContinuation = (ended: EndedSession) => Promise<string | null>;

// A symbol-keyed property, as for the other policies lent to the provider (see provider-config.ts).
const LOGOUT_CONTINUATION = Symbol('caduceus.logoutContinuation');

export function registerLogoutContinuation(config: AppConfig, continuation: LogoutContinuation): void {
  Object.defineProperty(config, LOGOUT_CONTINUATION, { value: continuation, configurable: true, enumerable: false });
}

const logger = new Logger('LogoutContinuation');

/**
 * After RP-initiated logout has ended the whole session here (the user chose "Sign out", so
 * `logout=yes`), asks the registered continuation where to go first. Rules: only a confirmed
 * logout that answered 303 and named a signed-in account; the session is already gone either
 * way; a continuation that fails leaves the provider's own redirect in place (logged).
 */
export function logoutContinuation(config: AppConfig) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.method !== 'POST' || ctx.oidc?.route !== 'end_session_confirm' || ctx.status !== 303) return;
    const continuation = (config as unknown as Record<symbol, LogoutContinuation | undefined>)[LOGOUT_CONTINUATION];
    const session = ctx.oidc.session as { accountId?: string; amr?: unknown } | undefined;
    const location = ctx.response.get('location');
    if (!continuation || !ctx.oidc.params?.logout || !session?.accountId || !location) return;
    const amr = Array.isArray(session.amr) ? session.amr.map(String) : [];
    try {
      const first = await continuation({ accountId: session.accountId, amr, continueTo: location });
      if (first) ctx.redirect(first);
    } catch (err) {
      logger.error({ err }, 'the logout continuation failed; the browser goes straight to the post-logout page');
    }
  };
}
