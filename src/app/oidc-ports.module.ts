import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { MfaStep } from '../auth/mfa.step.js';
import { IdentityModule, IdentityService } from '../identity/index.js';
import { BreakGlassModule, BreakGlassService } from '../breakglass/index.js';
import { ComplianceModule, DisclosuresService } from '../compliance/index.js';
import { ConsentModule, SmartScopePolicy } from '../consent/index.js';
import { FederationModule, UpstreamLogout } from '../federation/index.js';
import {
  OIDC_DISCLOSURE_RECORDER,
  OIDC_EMERGENCY_POLICY,
  OIDC_LOGOUT_CONTINUATION,
  OIDC_SCOPE_POLICY,
  OIDC_SECOND_FACTOR_POLICY,
  type EmergencyPolicy,
  type SecondFactorPolicy,
  type LogoutContinuation,
} from '../oidc/index.js';

/**
 * Binds the ports oidc/ declares (oidc/oidc.ports.ts) to the modules that answer them. Global,
 * so OidcModule's OidcPorts sees the tokens without oidc/ importing any of these modules.
 */
@Global()
@Module({
  imports: [ConsentModule, BreakGlassModule, ComplianceModule, FederationModule, AuthModule, IdentityModule],
  providers: [
    { provide: OIDC_SCOPE_POLICY, useExisting: SmartScopePolicy },
    {
      provide: OIDC_EMERGENCY_POLICY,
      inject: [BreakGlassService],
      useFactory: (breakGlass: BreakGlassService): EmergencyPolicy => ({ tokenClaims: (input) => breakGlass.tokenClaims(input) }),
    },
    { provide: OIDC_DISCLOSURE_RECORDER, useExisting: DisclosuresService },
    {
      provide: OIDC_LOGOUT_CONTINUATION,
      inject: [UpstreamLogout],
      useFactory: (upstream: UpstreamLogout): LogoutContinuation => (ended) => upstream.redirectFor(ended),
    },
    {
      provide: OIDC_SECOND_FACTOR_POLICY,
      inject: [MfaStep, IdentityService],
      useFactory: (mfa: MfaStep, identity: IdentityService): SecondFactorPolicy => ({
        requiredFor: async ({ accountId, clientId, acrValues }) => {
          const user = await identity.findById(accountId);
          // A session whose person is gone proves nothing: re-open the sign-in.
          return user ? mfa.requiredFor(user, clientId, acrValues) : true;
        },
      }),
    },
  ],
  exports: [OIDC_SCOPE_POLICY, OIDC_EMERGENCY_POLICY, OIDC_DISCLOSURE_RECORDER, OIDC_LOGOUT_CONTINUATION, OIDC_SECOND_FACTOR_POLICY],
})
export class OidcPortsModule {}
