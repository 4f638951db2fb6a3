import type { WebhookEvents } from './webhooks.events.js';
import type { MappingsFor } from '../audit/index.js';

const subscription = (p: { subscriptionId: string }) => ({ type: 'webhook_subscription', id: p.subscriptionId });

export const webhookMappings: MappingsFor<WebhookEvents> = {
  'webhook.subscription.created': { category: 'client-administration', action: 'C', subject: subscription },
  'webhook.subscription.updated': { category: 'client-administration', action: 'U', subject: subscription },
  'webhook.subscription.secret_rotated': { category: 'client-administration', action: 'U', subject: subscription },
  'webhook.subscription.deleted': { category: 'client-administration', action: 'D', subject: subscription },
  'webhook.delivery.failed': { category: 'audit-access', action: 'E', outcome: () => 'failure', subject: subscription },
};
