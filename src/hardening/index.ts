export { HardeningModule } from './hardening.module.js';
export { RateLimiter } from './rate-limiter.service.js';
export { OutboundHttp } from './outbound-http.service.js';
export type { HardeningEvents, OutboundPurpose } from './hardening.events.js';
export { clientAddressVerifiable, trustedPeer } from './trust-proxy.js';
