/** Events of security-event webhooks: subscription changes and delivery failures (never a secret or a body). */
export interface WebhookEvents {
  /**
   * The receiver by `origin` (scheme://host[:port]) and `urlSha256` (hex SHA-256 of the whole URL,
   * to tell subscriptions apart), never the URL itself: its path or query is often the secret.
   */
  'webhook.subscription.created': { subscriptionId: string; origin: string; urlSha256: string; eventTypes: string[] };
  'webhook.subscription.deleted': { subscriptionId: string; origin: string; urlSha256: string };
  /**
   * An edit: the `fields` it changed, the receiver as it is now (and `previousUrlSha256` when
   * the URL changed), what it now receives and whether it is on.
   */
  'webhook.subscription.updated': {
    subscriptionId: string;
    fields: string[];
    origin: string;
    urlSha256: string;
    previousUrlSha256?: string;
    eventTypes: string[];
    enabled: boolean;
  };
  /** A new signing secret replaced the old one (never either secret). */
  'webhook.subscription.secret_rotated': { subscriptionId: string; origin: string; urlSha256: string };
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
