import { Logger } from '@nestjs/common';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { LogoutContinuation } from './oidc.ports.js';

const logger = new Logger('LogoutContinuation');

/**
 * After RP-initiated logout has ended the whole session here (the user chose "Sign out", so
 * `logout=yes`), asks the logout continuation (OIDC_LOGOUT_CONTINUATION: federation ends the
 * upstream IdP's session too) where to go first. Rules: only a confirmed logout that answered
 * 303 and named a signed-in account; the session is already gone either way; a continuation
 * that fails leaves the provider's own redirect in place (logged).
 */
export function logoutContinuation(continuation: LogoutContinuation) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.method !== 'POST' || ctx.oidc?.route !== 'end_session_confirm' || ctx.status !== 303) return;
    const session = ctx.oidc.session as { accountId?: string; amr?: unknown } | undefined;
    const location = ctx.response.get('location');
    if (!ctx.oidc.params?.logout || !session?.accountId || !location) return;
    const amr = Array.isArray(session.amr) ? session.amr.map(String) : [];
    try {
      const first = await continuation({ accountId: session.accountId, amr, continueTo: location });
      if (first) ctx.redirect(first);
    } catch (err) {
      logger.error({ err }, 'the logout continuation failed; the browser goes straight to the post-logout page');
    }
  };
}
