import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { aesGcmOpen, aesGcmSeal, KeysService } from '../keys/index.js';
import type { EndedSession } from '../oidc/index.js';
import { FederationBroker } from './federation-broker.service.js';

export const UPSTREAM_LOGOUT_CALLBACK_PATH = '/federation/logout/callback';

/** How long the browser may take at the upstream's logout page before our state stops opening. */
const STATE_TTL_MS = 15 * 60_000;
const STATE_AAD = 'federation-logout-state';

/**
 * Ends the upstream IdP's session after ours (OpenID Connect RP-Initiated Logout at the
 * upstream). Rules:
 * - only a session that signed in through an upstream (`fed` in its amr) is sent there, and
 *   only when that IdP publishes an end_session_endpoint; others go straight on;
 * - the upstream gets our last upstream ID token as `id_token_hint` and
 *   `<ISSUER>/federation/logout/callback` as `post_logout_redirect_uri`, with a `state` that
 *   holds, sealed (AES-256-GCM under a server secret), where our own logout was going: the
 *   client's post_logout_redirect_uri with its state, or our "signed out" page;
 * - back at the callback, a state that does not open or is older than 15 minutes leads only to
 *   our "signed out" page, so the callback can never redirect anywhere we did not choose.
 * redirectFor answers oidc/'s logout continuation port (bound in src/app/).
 */
@Injectable()
export class UpstreamLogout {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly broker: FederationBroker,
    private readonly keys: KeysService,
  ) {}

  get callbackUrl(): string {
    return `${this.config.issuer}${UPSTREAM_LOGOUT_CALLBACK_PATH}`;
  }

  /** The upstream end_session URL to visit before `continueTo`, or null to go there directly. */
  async redirectFor(ended: EndedSession): Promise<string | null> {
    if (!ended.amr.includes('fed')) return null;
    const state = JSON.stringify({ to: ended.continueTo, exp: Date.now() + STATE_TTL_MS });
    return this.broker.upstreamLogoutUrl(ended.accountId, this.callbackUrl, aesGcmSeal(await this.key(), Buffer.from(state), STATE_AAD));
  }

  /** Where the logout continues once the upstream sent the browser back, or null (unknown, altered or stale state). */
  async continueTo(state: unknown, now = Date.now()): Promise<string | null> {
    if (typeof state !== 'string' || !state || state.length > 4096) return null;
    try {
      const { to, exp } = JSON.parse(aesGcmOpen(await this.key(), state, STATE_AAD).toString('utf8')) as { to?: unknown; exp?: unknown };
      return typeof to === 'string' && typeof exp === 'number' && exp > now ? to : null;
    } catch {
      return null;
    }
  }

  private key(): Promise<Buffer> {
    return this.keys.getSecret('federation-logout-state-key');
  }
}
