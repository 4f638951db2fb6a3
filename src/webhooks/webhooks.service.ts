import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AdvisoryLockService, UnitOfWork } from '../database/index.js';
import { EventBus, type DomainEvent, type EventActor, type EventDelivery } from '../events/index.js';
import { aesGcmOpen, aesGcmSeal, KeysService } from '../keys/index.js';
import { OutboundHttp } from '../outbound/index.js';
import { urlRefusal } from './outbound-url.js';
import { nextAttemptDelaySeconds, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';
import { WebhooksError, WebhooksErrorCode } from './webhooks.errors.js';
import { WebhooksRepository, type StoredDelivery, type StoredSubscription } from './webhooks.repository.js';

/** The security events a subscription may choose; `audit.verified` is sent only when verification failed. */
export const WEBHOOK_EVENT_TYPES = ['user.locked', 'mfa.reset', 'keys.revoked', 'breakglass.started', 'audit.verified'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const MAX_BODY_BYTES = 64 * 1024;
const BATCH = 20;
const LOCK = 'caduceus:webhook-delivery';

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What an edit may change; the signing secret only through rotation. */
export interface SubscriptionPatch {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Security-event webhooks: subscriptions (secret shown once, sealed at rest), an outbox row per
 * (subscription, event) written with the event (in its transaction when it has one), and
 * delivery of due rows with HMAC signatures and exponential backoff. Rows live in the database,
 * so retries survive a restart; delivery runs under an advisory lock, so one instance sends.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  private running = false;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly keys: KeysService,
    private readonly uow: UnitOfWork,
    private readonly locks: AdvisoryLockService,
    private readonly bus: EventBus,
    private readonly outbound: OutboundHttp,
  ) {}

  async subscribe(input: { url: string; eventTypes: string[]; description?: string }, actor: EventActor, correlationId?: string) {
    this.checkUrl(input.url);
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const stored: StoredSubscription = {
      id,
      url: input.url,
      eventTypes: [...new Set(input.eventTypes)],
      sealedSecret: aesGcmSeal(await this.sealKey(), Buffer.from(secret), `webhook|${id}`),
      description: input.description ?? null,
      enabled: true,
      version: 1,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await this.uow.run(async (tx) => {
      await this.repo.insertSubscription(stored, tx);
      await this.bus.publish('webhook.subscription.created', { subscriptionId: id, ...recordedUrl(stored.url), eventTypes: stored.eventTypes }, { actor, correlationId, tx });
    });
    return { subscription: toSubscription(stored), secret };
  }

  /**
   * Changes the fields given, when the subscription is still at one of `expectedVersions`: the
   * URL by the same rule as a new subscription, and nothing at all when any part is refused.
   */
  async update(id: string, patch: SubscriptionPatch, expectedVersions: number[], actor: EventActor, correlationId?: string): Promise<Subscription> {
    if (patch.url !== undefined) this.checkUrl(patch.url);
    const before = await this.get(id);
    const changes = { ...patch, ...(patch.eventTypes ? { eventTypes: [...new Set(patch.eventTypes)] } : {}) };
    const updated = await this.uow.run(async (tx) => {
      const row = this.changed(await this.repo.updateSubscription(id, changes, expectedVersions, new Date(), tx));
      const previous = patch.url !== undefined && patch.url !== before.url ? { previousUrlSha256: recordedUrl(before.url).urlSha256 } : {};
      await this.bus.publish(
        'webhook.subscription.updated',
        { subscriptionId: id, fields: Object.keys(patch).sort(), ...recordedUrl(row.url), ...previous, eventTypes: row.eventTypes, enabled: row.enabled },
        { actor, correlationId, tx },
      );
      return row;
    });
    return toSubscription(updated);
  }

  /** A new signing secret, returned this once; the old one stops signing at once. */
  async rotateSecret(id: string, expectedVersions: number[] | undefined, actor: EventActor, correlationId?: string): Promise<{ subscription: Subscription; secret: string }> {
    await this.get(id);
    const secret = randomBytes(32).toString('base64url');
    const sealedSecret = aesGcmSeal(await this.sealKey(), Buffer.from(secret), `webhook|${id}`);
    const updated = await this.uow.run(async (tx) => {
      const row = this.changed(await this.repo.updateSubscription(id, { sealedSecret }, expectedVersions, new Date(), tx));
      await this.bus.publish('webhook.subscription.secret_rotated', { subscriptionId: id, ...recordedUrl(row.url) }, { actor, correlationId, tx });
      return row;
    });
    return { subscription: toSubscription(updated), secret };
  }

  private changed(result: StoredSubscription | { stale: number } | null): StoredSubscription {
    if (!result) throw new WebhooksError(WebhooksErrorCode.NOT_FOUND, 'no such webhook subscription');
    if ('stale' in result) throw new WebhooksError(WebhooksErrorCode.VERSION_MISMATCH, 'the webhook subscription changed since it was read');
    return result;
  }

  private checkUrl(url: string): void {
    const refusal = urlRefusal(url, this.outbound);
    if (refusal) throw new WebhooksError(WebhooksErrorCode.URL_REFUSED, `url ${refusal}`, { fields: [{ field: 'url', message: refusal }] });
  }

  /** Whether an enabled subscription receives `eventType` (a page promises an alert only then). */
  async subscribed(eventType: WebhookEventType): Promise<boolean> {
    return (await this.repo.subscribersOf(eventType)).length > 0;
  }

  async list(): Promise<Subscription[]> {
    return (await this.repo.listSubscriptions()).map(toSubscription);
  }

  async get(id: string): Promise<Subscription> {
    const found = await this.repo.findSubscription(id);
    if (!found) throw new WebhooksError(WebhooksErrorCode.NOT_FOUND, 'no such webhook subscription');
    return toSubscription(found);
  }

  async unsubscribe(id: string, actor: EventActor, correlationId?: string): Promise<void> {
    const found = await this.get(id);
    await this.uow.run(async (tx) => {
      await this.repo.deleteSubscription(id, tx);
      await this.bus.publish('webhook.subscription.deleted', { subscriptionId: id, ...recordedUrl(found.url) }, { actor, correlationId, tx });
    });
  }

  async deliveries(subscriptionId: string, limit: number): Promise<StoredDelivery[]> {
    await this.get(subscriptionId);
    return this.repo.deliveriesOf(subscriptionId, limit);
  }

  /** Queues the event for every subscriber, inside the event's transaction when it has one. */
  async enqueue(event: DomainEvent, delivery?: EventDelivery): Promise<void> {
    const subscribers = await this.repo.subscribersOf(event.name, delivery?.tx);
    if (!subscribers.length) return;
    const eventId = randomUUID();
    const body = JSON.stringify({ id: eventId, type: event.name, occurredAt: event.occurredAt, actor: event.actor, data: event.payload });
    for (const s of subscribers) {
      await this.repo.enqueue({ id: randomUUID(), subscriptionId: s.id, eventId, eventName: event.name, body, createdAt: new Date() }, delivery?.tx);
    }
    // Alerts go out at once, not at the next poll; after COMMIT when the event is transactional.
    if (delivery?.tx) delivery.tx.afterCommit(async () => this.kick());
    else this.kick();
  }

  kick(): void {
    setTimeout(() => void this.deliverDue().catch((err) => this.logger.error({ err }, 'webhook delivery run failed')), 0).unref();
  }

  /** Sends every due delivery once. Safe on several instances: only the lock holder sends. */
  async deliverDue(now = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const outcome = await this.locks.tryWithLock(LOCK, async () => {
        const due = await this.repo.due(now, BATCH);
        for (const d of due) await this.attempt(d);
        return due.length;
      });
      return outcome.ran ? outcome.result : 0;
    } finally {
      this.running = false;
    }
  }

  private async attempt(d: StoredDelivery): Promise<void> {
    const attempts = d.attempts + 1;
    const sub = await this.repo.findSubscription(d.subscriptionId);
    if (!sub) return;
    let status: number | null = null;
    let error: string;
    try {
      status = await this.post(sub, d.body);
      if (status >= 200 && status < 300) {
        await this.repo.markDelivered(d.id, attempts, status, new Date());
        return;
      }
      error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const delay = nextAttemptDelaySeconds(attempts);
    const nextAt = delay === null ? null : new Date(Date.now() + delay * 1000);
    await this.repo.markFailedAttempt(d.id, attempts, status, error, nextAt);
    await this.bus.notify('webhook.delivery.failed', {
      subscriptionId: sub.id,
      deliveryId: d.id,
      eventName: d.eventName,
      attempt: attempts,
      status,
      error: error.slice(0, 200),
      final: nextAt === null,
    });
  }

  /**
   * One POST through the outbound policy: the address judged at connect time (so DNS cannot
   * swap in a private one after the subscription was checked), no redirect followed, a timeout;
   * the response body read up to a cap and discarded.
   */
  private async post(sub: StoredSubscription, body: string): Promise<number> {
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new Error('event body too large');
    const secret = aesGcmOpen(await this.sealKey(), sub.sealedSecret, `webhook|${sub.id}`);
    const res = await this.outbound.fetchFor('webhook')(sub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Caduceus-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    await drain(res);
    return res.status;
  }

  private sealKey(): Promise<Buffer> {
    return this.keys.getSecret('webhook-key');
  }
}

async function drain(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  let read = 0;
  while (read < MAX_BODY_BYTES) {
    const chunk = await reader.read();
    if (chunk.done) return;
    read += chunk.value.byteLength;
  }
  await reader.cancel();
}

/**
 * How events (and so the audit trail) name a receiver: its origin and a SHA-256 fingerprint of
 * the whole URL, never the path or query, which for many receivers is the credential
 * (https://hooks.example/services/T0/B0/XXXX). The admin API still shows the URL to super-admins.
 */
export function recordedUrl(url: string): { origin: string; urlSha256: string } {
  return { origin: new URL(url).origin, urlSha256: createHash('sha256').update(url).digest('hex') };
}

function toSubscription(s: StoredSubscription): Subscription {
  return {
    id: s.id,
    url: s.url,
    eventTypes: s.eventTypes,
    description: s.description,
    enabled: s.enabled,
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
