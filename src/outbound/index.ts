export { OutboundModule } from './outbound.module.js';
export { OutboundHttp, outboundPolicy } from './outbound-http.service.js';
export { OutboundRefusedError, refuseEnvironmentProxy, type OutboundRefusalReason, type OutboundFetch } from './outbound-http.js';
export type { OutboundEvents, OutboundPurpose } from './outbound.events.js';
