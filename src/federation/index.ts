export { FederationModule } from './federation.module.js';
export { FederationBroker, type FederatedLogin } from './federation-broker.service.js';
export { UpstreamLogout } from './upstream-logout.js';
export { FederationError, FederationErrorCode } from './federation.errors.js';
export type { FederationEvents, FederationFailureReason } from './federation.events.js';
export { failureStatus } from './federation-failures.js';
export { federationChoices, federationErrorPage, type FederationChoices, type FederationOption } from './federation-pages.js';
export { upstreamFailure as failureReason } from './upstream-clients.js';
export { IdentityProvidersService } from './identity-providers.service.js';
