import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Transaction } from '../database/index.js';
import { makeEvent, type DomainEvent, type EventActor } from './domain-event.js';
import type { EventMap, EventName } from './event-map.js';
import { currentRequestScope, type EventOrigin } from './request-scope.js';
import { isDatabaseUnavailable } from '../database/index.js';

export type BusEvent<N extends EventName> = DomainEvent<N, EventMap[N]>;

export interface PublishOptions {
  actor?: EventActor;
  /** Defaults to the current request's id, so one request's events share it with its log lines. */
  correlationId?: string;
  /** Defaults to the current request's IP and user agent. */
  origin?: EventOrigin;
  /**
   * The unit of work the change was made in: listeners that write (audit) write inside it,
   * so the change and its audit record commit or roll back together.
   */
  tx?: Transaction;
}

/** The second argument every listener receives after the event. */
export interface EventDelivery {
  tx?: Transaction;
}

/**
 * A thin, typed emitter over EventEmitter2.
 * - `publish` awaits every listener and rethrows the first failure: for events whose loss
 *   would lose an audit record or a security reaction, the caller must not proceed without them.
 *   With `tx`, listeners run inside that transaction, before it commits.
 * - `notify` awaits listeners too but only logs failures: for reactions that must not fail an
 *   unrelated request (cache refreshes).
 * Inside a request scope with a delivery barrier (OIDC endpoints), every delivery is tracked
 * so the response waits for it.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);

  constructor(private readonly emitter: EventEmitter2) {}

  async publish<N extends EventName>(name: N, payload: EventMap[N], opts: PublishOptions = {}): Promise<BusEvent<N>> {
    const scope = currentRequestScope();
    const event = makeEvent(name, payload, {
      actor: opts.actor,
      correlationId: opts.correlationId ?? scope?.requestId,
      origin: opts.origin ?? (scope && hasOrigin(scope.origin) ? scope.origin : undefined),
    });
    const delivery: EventDelivery = opts.tx ? { tx: opts.tx } : {};
    const done = this.emitter.emitAsync(name, event, delivery);
    scope?.barrier?.track(done);
    await done;
    return event;
  }

  async notify<N extends EventName>(name: N, payload: EventMap[N], opts?: Omit<PublishOptions, 'tx'>): Promise<void> {
    try {
      await this.publish(name, payload, opts);
    } catch (err) {
      if (isDatabaseUnavailable(err)) this.logger.debug({ reason: (err as Error).message, event: name }, 'an event listener failed: the database is unavailable');
      else this.logger.error({ err, event: name }, 'an event listener failed');
    }
  }
}

function hasOrigin(origin: EventOrigin): boolean {
  return Boolean(origin.ip || origin.userAgent || origin.sessionId);
}
