import { Global, Module } from '@nestjs/common';
import { BreakGlassModule, BreakGlassService } from '../breakglass/index.js';
import { ComplianceModule, DisclosuresService } from '../compliance/index.js';
import { ConsentModule, SmartScopePolicy } from '../consent/index.js';
import { FederationModule, UpstreamLogout } from '../federation/index.js';
import {
  OIDC_DISCLOSURE_RECORDER,
  OIDC_EMERGENCY_POLICY,
  OIDC_LOGOUT_CONTINUATION,
  OIDC_SCOPE_POLICY,
  type EmergencyPolicy,
  type LogoutContinuation,
} from '../oidc/index.js';

/**
 * Binds the ports oidc/ declares (oidc/oidc.ports.ts) to the modules that answer them. Global,
 * so OidcModule's OidcPorts sees the tokens without oidc/ importing any of these modules.
 */
@Global()
@Module({
  imports: [ConsentModule, BreakGlassModule, ComplianceModule, FederationModule],
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
  ],
  exports: [OIDC_SCOPE_POLICY, OIDC_EMERGENCY_POLICY, OIDC_DISCLOSURE_RECORDER, OIDC_LOGOUT_CONTINUATION],
})
export class OidcPortsModule {}
