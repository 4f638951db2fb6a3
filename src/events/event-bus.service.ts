import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { makeEvent, type DomainEvent, type EventActor } from './domain-event.js';
import type { EventMap, EventName } from './event-map.js';

export type BusEvent<N extends EventName> = DomainEvent<N, EventMap[N]>;

/**
 * A thin, typed emitter over EventEmitter2.
 * - `publish` awaits every listener and rethrows the first failure: for events whose loss
 *   would lose an audit record or a security reaction, the caller must not proceed without them.
 * - `notify` awaits listeners too but only logs failures: for reactions that must not fail an
 *   unrelated request (cache refreshes).
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);

  constructor(private readonly emitter: EventEmitter2) {}

  async publish<N extends EventName>(
    name: N,
    payload: EventMap[N],
    opts?: { actor?: EventActor; correlationId?: string },
  ): Promise<BusEvent<N>> {
    const event = makeEvent(name, payload, opts);
    await this.emitter.emitAsync(name, event);
    return event;
  }

  async notify<N extends EventName>(
    name: N,
    payload: EventMap[N],
    opts?: { actor?: EventActor; correlationId?: string },
  ): Promise<void> {
    try {
      await this.publish(name, payload, opts);
    } catch (err) {
      this.logger.error({ err, event: name }, 'an event listener failed');
    }
  }
}
