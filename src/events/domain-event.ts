import { randomUUID } from 'node:crypto';
import type { EventOrigin } from './request-scope.js';

/** Who caused an event: a user, a client (machine), an administrator, or the system itself. */
export interface EventActor {
  type: 'user' | 'client' | 'admin' | 'system';
  id: string;
}

/** Envelope shared by every domain event on the bus. */
export interface DomainEvent<N extends string = string, P = unknown> {
  name: N;
  occurredAt: Date;
  actor: EventActor;
  correlationId: string;
  /** IP, user agent and session of the request that caused the event, when there was one. */
  origin?: EventOrigin;
  payload: P;
}

export const SYSTEM_ACTOR: EventActor = { type: 'system', id: 'caduceus' };

export function makeEvent<N extends string, P>(
  name: N,
  payload: P,
  opts: { actor?: EventActor; correlationId?: string; origin?: EventOrigin; now?: Date } = {},
): DomainEvent<N, P> {
  return {
    name,
    payload,
    occurredAt: opts.now ?? new Date(),
    actor: opts.actor ?? SYSTEM_ACTOR,
    correlationId: opts.correlationId ?? randomUUID(),
    ...(opts.origin ? { origin: opts.origin } : {}),
  };
}
