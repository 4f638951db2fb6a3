import { Global, Module } from '@nestjs/common';
import { FEDERATION_SESSION_ENDER, type LocalSessionEnder } from '../federation/index.js';
import { OidcModule, SessionsService } from '../oidc/index.js';

/**
 * Binds the port federation/ declares (federation/federation-ports.ts) to oidc/'s sessions.
 * Global, so FederationModule's providers see the token without federation/ importing oidc/.
 */
@Global()
@Module({
  imports: [OidcModule],
  providers: [
    {
      provide: FEDERATION_SESSION_ENDER,
      inject: [SessionsService],
      useFactory: (sessions: SessionsService): LocalSessionEnder => ({
        endAllSessionsOf: (userId, actor) => sessions.revokeAllOfUser(userId, { actor }),
      }),
    },
  ],
  exports: [FEDERATION_SESSION_ENDER],
})
export class FederationPortsModule {}
