import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DomainEvent, EventDelivery } from '../events/index.js';
import { WEBHOOK_EVENT_TYPES, WebhooksService } from './webhooks.service.js';

/** Rule: a verification that passed is routine; only a failed one is a security event worth an alert. */
export function isAlertWorthy(event: DomainEvent): boolean {
  if (event.name === 'audit.verified') return (event.payload as { ok: boolean }).ok === false;
  return true;
}

/** Queues every subscribable event (registered in the constructor, like audit's, so none is missed at start). */
@Injectable()
export class WebhooksListener {
  constructor(emitter: EventEmitter2, webhooks: WebhooksService) {
    for (const name of WEBHOOK_EVENT_TYPES) {
      emitter.on(name, async (event: DomainEvent, delivery?: EventDelivery) => {
        if (isAlertWorthy(event)) await webhooks.enqueue(event, delivery);
      });
    }
  }
}
