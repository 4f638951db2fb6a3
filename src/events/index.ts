export { EventsModule } from './events.module.js';
export { EventBus, type BusEvent } from './event-bus.service.js';
export { makeEvent, SYSTEM_ACTOR, type DomainEvent, type EventActor } from './domain-event.js';
export type { EventMap, EventName } from './event-map.js';
