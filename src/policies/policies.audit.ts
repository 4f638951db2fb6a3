import type { PolicyEvents } from './policies.events.js';
import type { MappingsFor } from '../audit/index.js';

export const policyMappings: MappingsFor<PolicyEvents> = {
  // No policy category yet: a policy change is administration of how users sign in.
  'policy.updated': { category: 'user-administration', action: 'U', subject: (p) => ({ type: 'policy', id: `runtime-policies@${p.version}` }) },
};
