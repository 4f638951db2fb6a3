export { ClientsModule } from './clients.module.js';
export { ClientsService, type CreatedClient, type ResourceServer } from './clients.service.js';
export { ClientsError, ClientsErrorCode } from './clients.errors.js';
export type { ClientEvents } from './clients.events.js';
export type { NewClient, NewResourceServer } from './clients.schemas.js';
