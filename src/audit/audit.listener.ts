import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DomainEvent, EventDelivery } from '../events/index.js';
import { AuditTrailService } from './audit-trail.service.js';
import { AuditMappingTable } from './mappings/index.js';

/**
 * Listens to every event of the EventMap (the mapping table has one key per event name).
 * Registered in the constructor, not with @OnEvent: decorated listeners are attached only at
 * application bootstrap, after modules' start-up hooks have already emitted events (the first
 * signing key, the bootstrap client), which the trail must not miss.
 */
@Injectable()
export class AuditListener {
  constructor(emitter: EventEmitter2, trail: AuditTrailService, mappings: AuditMappingTable) {
    for (const name of mappings.eventNames) {
      emitter.on(name, (event: DomainEvent, delivery?: EventDelivery) =>
        trail.record(event as Parameters<AuditTrailService['record']>[0], delivery?.tx),
      );
    }
  }
}
