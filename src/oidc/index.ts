export { OidcModule } from './oidc.module.js';
export { OidcService } from './oidc.service.js';
export { mountOidc } from './oidc.mount.js';
export { registerScopePolicy, ScopePolicyRefusal, type ScopePolicy } from './provider-config.js';
export { registerEmergencyPolicy, registerDisclosureRecorder, AMR_EMERGENCY, type EmergencyPolicy, type Disclosure } from './provider-config.js';
export type { OidcEvents } from './oidc.events.js';
export { SessionsService } from './sessions.service.js';
export { registerLogoutContinuation, type EndedSession, type LogoutContinuation } from './logout-continuation.js';
export { HeldAccessTokens } from './held-access-tokens.js';
