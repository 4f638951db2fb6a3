export { EventsModule } from './events.module.js';
export { EventBus, type BusEvent, type PublishOptions, type EventDelivery } from './event-bus.service.js';
export { makeEvent, SYSTEM_ACTOR, type DomainEvent, type EventActor } from './domain-event.js';
export { DeliveryBarrier, currentRequestScope, runInRequestScope, type EventOrigin, type RequestScope } from './request-scope.js';
export type { EventMap, EventName } from './event-map.js';
