import { Injectable, Logger } from '@nestjs/common';
import { OidcService } from './oidc.service.js';

/** A consent's hold on provider state: the provider grant, and the browser session it was given in. */
export interface StoredAuthorization {
  oidcGrantId: string;
  sessionUid: string | null;
}

export interface ProviderRevocation {
  /** Provider grants that still existed and were destroyed. */
  providerGrants: number;
  /** Back-channel logout notifications the app acknowledged. */
  notified: number;
}

/**
 * The provider side of taking a consent back (consent/'s port, bound in src/app/), through oidc-provider's own models: each provider
 * grant's tokens and codes are revoked and the grant destroyed, the browser sessions forget the
 * app's authorisation, and an app registered for back-channel logout is told, per session.
 */
@Injectable()
export class ProviderGrants {
  private readonly logger = new Logger(ProviderGrants.name);

  constructor(private readonly oidc: OidcService) {}

  async revoke(accountId: string, clientId: string, authorizations: readonly StoredAuthorization[]): Promise<ProviderRevocation> {
    const provider = this.oidc.current;
    const ids = new Set(authorizations.map((a) => a.oidcGrantId));
    let providerGrants = 0;
    for (const grantId of ids) {
      const grant = await provider.Grant.find(grantId);
      await Promise.all([
        provider.AccessToken.revokeByGrantId(grantId),
        provider.RefreshToken.revokeByGrantId(grantId),
        provider.AuthorizationCode.revokeByGrantId(grantId),
      ]);
      if (grant) {
        await grant.destroy();
        providerGrants += 1;
      }
    }
    const sids = await this.forgetInSessions(accountId, clientId, ids, authorizations);
    return { providerGrants, notified: await this.notify(clientId, accountId, sids) };
  }

  /** Removes the app's authorisation from each session that holds one of these grants; returns their `sid`s. */
  private async forgetInSessions(accountId: string, clientId: string, ids: Set<string>, authorizations: readonly StoredAuthorization[]): Promise<string[]> {
    const provider = this.oidc.current;
    const sids: string[] = [];
    for (const uid of new Set(authorizations.map((a) => a.sessionUid).filter((u): u is string => Boolean(u)))) {
      const session = await provider.Session.findByUid(uid);
      const held = session?.authorizations?.[clientId] as { grantId?: string; sid?: string } | undefined;
      if (!session || session.accountId !== accountId || !held?.grantId || !ids.has(held.grantId)) continue;
      if (held.sid) sids.push(held.sid);
      delete session.authorizations![clientId];
      await session.persist();
    }
    return sids;
  }

  private async notify(clientId: string, accountId: string, sids: string[]): Promise<number> {
    if (!sids.length) return 0;
    const client = (await this.oidc.current.Client.find(clientId)) as
      | { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<void> }
      | undefined;
    if (!client?.backchannelLogoutUri) return 0;
    let notified = 0;
    for (const sid of sids) {
      try {
        await client.backchannelLogout(accountId, sid);
        notified += 1;
      } catch (err) {
        // The tokens are gone either way; an app that missed the call finds out at its next refresh.
        this.logger.warn({ err, clientId }, 'back-channel logout after a revoked grant failed');
      }
    }
    return notified;
  }
}
