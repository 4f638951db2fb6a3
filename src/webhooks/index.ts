export { WebhooksModule } from './webhooks.module.js';
export { WebhooksService, WEBHOOK_EVENT_TYPES, type WebhookEventType, type Subscription } from './webhooks.service.js';
export { verifySignature, signatureHeader, SIGNATURE_HEADER } from './webhook-signature.js';
export type { WebhookEvents } from './webhooks.events.js';
