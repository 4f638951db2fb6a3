/** Events of security-event webhooks: subscription changes and delivery failures (never a secret or a body). */
export interface WebhookEvents {
  'webhook.subscription.created': { subscriptionId: string; url: string; eventTypes: string[] };
  'webhook.subscription.deleted': { subscriptionId: string; url: string };
  /** One failed attempt; `final` when no retry is left (the delivery is marked failed). */
  'webhook.delivery.failed': {
    subscriptionId: string;
    deliveryId: string;
    eventName: string;
    attempt: number;
    status: number | null;
    error: string;
    final: boolean;
  };
}
