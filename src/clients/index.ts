export { ClientsModule } from './clients.module.js';
export { ClientsService, type CreatedClient, type ProviderMetadataValidator, type ResourceServer } from './clients.service.js';
export { ClientManagementService, type ClientAction, type ClientListQuery } from './client-management.service.js';
export type { ClientRecord } from './client-record.js';
export { ENCRYPTION_ALGS, ENCRYPTION_ENCS } from './client-encryption.js';
export { ClientsError, ClientsErrorCode } from './clients.errors.js';
export type { ClientEvents, ClientSnapshot } from './clients.events.js';
export type { ClientUpdate, MfaPolicy, NewClient, NewResourceServer } from './clients.schemas.js';
