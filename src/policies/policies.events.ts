import type { PolicyDocument } from './policies.schemas.js';

/** Events the policies module emits. */
export interface PolicyEvents {
  /** `weakened` lists the changed fields now laxer than the environment's defaults (longer lifetimes ...). */
  'policy.updated': { changed: string[]; weakened: string[]; before: PolicyDocument; after: PolicyDocument; version: number };
}
