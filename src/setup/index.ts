export { SetupModule } from './setup.module.js';
export { SetupService, SETUP_PATH, SETUP_LINK_TTL_SECONDS } from './setup.service.js';
export type { SetupEvents } from './setup.events.js';
