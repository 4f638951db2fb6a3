import type { PolicyDocument } from './policies.schemas.js';

/** Events the policies module emits. */
export interface PolicyEvents {
  /** `weakened` lists the changed fields now laxer than the environment's defaults (longer lifetimes ...). */
  'policy.updated': { changed: string[]; weakened: string[]; before: PolicyDocument; after: PolicyDocument; version: number };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends PolicyEvents {}
}
