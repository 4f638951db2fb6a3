import type { EventName } from '../../events/index.js';
import type { AuditMapping, AuditMappings } from './audit-mapping.js';

/**
 * The token of every event's audit mapping. Each module owns its events' mappings in its own
 * `<module>.audit.ts`; the composition root assembles them (src/app/audit-mappings.ts, typed
 * as AuditMappings, so an event without a mapping is a compile error there) and binds this
 * token, so audit/ imports no module for them.
 */
export const AUDIT_MAPPINGS = 'AUDIT_MAPPINGS';

/** The mapping table as audit/ reads it: which events it records, and how. */
export class AuditMappingTable {
  readonly eventNames: EventName[];

  constructor(private readonly mappings: AuditMappings) {
    this.eventNames = Object.keys(mappings) as EventName[];
  }

  mappingOf<N extends EventName>(name: N): AuditMapping<N> | undefined {
    return (this.mappings as Record<string, AuditMapping<N> | undefined>)[name];
  }
}

export type { AuditMapping, AuditMappings, AuditCategory, AuditAction, MappingsFor } from './audit-mapping.js';
