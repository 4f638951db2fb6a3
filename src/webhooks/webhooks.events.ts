/** Events of security-event webhooks: subscription changes and delivery failures (never a secret or a body). */
export interface WebhookEvents {
  /**
   * The receiver by `origin` (scheme://host[:port]) and `urlSha256` (hex SHA-256 of the whole URL,
   * to tell subscriptions apart), never the URL itself: its path or query is often the secret.
   */
  'webhook.subscription.created': { subscriptionId: string; origin: string; urlSha256: string; eventTypes: string[] };
  'webhook.subscription.deleted': { subscriptionId: string; origin: string; urlSha256: string };
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

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends WebhookEvents {}
}
