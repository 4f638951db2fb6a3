export { OidcModule } from './oidc.module.js';
export { OidcService } from './oidc.service.js';
export { mountOidc } from './oidc.mount.js';
export { registerScopePolicy, ScopePolicyRefusal, type ScopePolicy } from './provider-config.js';
export { registerEmergencyPolicy, AMR_EMERGENCY, type EmergencyPolicy } from './provider-config.js';
export type { OidcEvents } from './oidc.events.js';
