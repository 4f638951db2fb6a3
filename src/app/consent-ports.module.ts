import { Global, Module } from '@nestjs/common';
import { CONSENT_PROVIDER, type ConsentProvider } from '../consent/index.js';
import { OidcModule, OidcService, ProviderGrants } from '../oidc/index.js';

/**
 * Binds the port consent/ declares (consent/consent-ports.ts) to oidc/: the browser's provider
 * session, the provider's view of an app, and ending a consent's grants. Global, so
 * ConsentModule's providers see the token without consent/ importing oidc/.
 */
@Global()
@Module({
  imports: [OidcModule],
  providers: [
    {
      provide: CONSENT_PROVIDER,
      inject: [OidcService, ProviderGrants],
      useFactory: (oidc: OidcService, grants: ProviderGrants): ConsentProvider => ({
        signedIn: async (req, reply) => {
          const session = await oidc.current.Session.get({ req: req.raw, res: reply.raw } as never);
          return session.accountId ? { accountId: session.accountId, sessionUid: session.uid } : null;
        },
        findApp: (clientId) => oidc.current.Client.find(clientId),
        revokeGrants: (accountId, clientId, authorizations) => grants.revoke(accountId, clientId, authorizations),
      }),
    },
  ],
  exports: [CONSENT_PROVIDER],
})
export class ConsentPortsModule {}
