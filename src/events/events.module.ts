/**
 * events/ owns the internal bus: the DomainEvent envelope, the typed EventMap and EventBus.
 * Modules emit through EventBus and listen with @OnEvent(name). Each module owns its own
 * event definitions; this module never interprets them.
 */
import { Global, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from './event-bus.service.js';

@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, maxListeners: 50, ignoreErrors: false })],
  providers: [EventBus],
  exports: [EventBus],
})
export class EventsModule {}
