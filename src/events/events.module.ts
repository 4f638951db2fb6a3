/**
 * events/ owns the internal bus: the DomainEvent envelope, the typed EventMap, EventBus and the
 * request scope that stamps each event with the request's id, IP and user agent.
 * Modules emit through EventBus and listen with @OnEvent(name). Each module owns its own
 * event definitions; this module never interprets them.
 */
import { Global, Module, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { FastifyInstance } from 'fastify';
import { EventBus } from './event-bus.service.js';
import { installRequestScope } from './request-scope.hook.js';

@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, maxListeners: 50, ignoreErrors: false })],
  providers: [EventBus],
  exports: [EventBus],
})
export class EventsModule implements OnModuleInit {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  /** Before the server listens (Fastify applies hooks to every route at ready time). */
  onModuleInit(): void {
    const instance = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (instance && typeof instance.addHook === 'function') installRequestScope(instance);
  }
}
