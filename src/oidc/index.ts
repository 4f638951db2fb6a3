export { OidcModule } from './oidc.module.js';
export { OidcService } from './oidc.service.js';
export { mountOidc } from './oidc.mount.js';
export {
  OIDC_SCOPE_POLICY,
  OIDC_EMERGENCY_POLICY,
  OIDC_DISCLOSURE_RECORDER,
  OIDC_LOGOUT_CONTINUATION,
  OIDC_SECOND_FACTOR_POLICY,
  type SecondFactorPolicy,
  type ScopePolicy,
  type ScopePolicyRefusal,
  type EmergencyPolicy,
  type Disclosure,
  type DisclosureRecorder,
  type EndedSession,
  type LogoutContinuation,
} from './oidc.ports.js';
export { AMR_EMERGENCY } from './provider-lifetimes.js';
export type { OidcEvents } from './oidc.events.js';
export { SessionsService } from './sessions.service.js';
export { HeldAccessTokens } from './held-access-tokens.js';
export { ProviderGrants } from './provider-grants.js';
export { outagePage } from './database-outage.js';
export { parseCertificateHeader } from './client-certificate.js';
