import type Provider from 'oidc-provider';
import type { EventBus } from '../events/index.js';

interface EndSessionContext {
  oidc?: { client?: { clientId: string }; session?: { accountId?: string; uid?: string } };
}

/** Re-emits the end of a signed-in session (RP-initiated logout) as `auth.logout`. */
export function bridgeSessionEvents(provider: Provider, bus: EventBus): void {
  (provider as unknown as NodeJS.EventEmitter).on('end_session.success', (ctx: EndSessionContext) => {
    void bus.notify('auth.logout', {
      accountId: ctx.oidc?.session?.accountId ?? null,
      sessionUid: ctx.oidc?.session?.uid ?? null,
      clientId: ctx.oidc?.client?.clientId ?? null,
    });
  });
}
