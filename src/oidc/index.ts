export { OidcModule } from './oidc.module.js';
export { OidcService } from './oidc.service.js';
export { mountOidc } from './oidc.mount.js';
export type { OidcEvents } from './oidc.events.js';
