export { HardeningModule } from './hardening.module.js';
export { RateLimiter } from './rate-limiter.service.js';
export type { HardeningEvents } from './hardening.events.js';
export { clientAddressVerifiable, trustedPeer } from './trust-proxy.js';
