import type { PolicyEvents } from '../../policies/index.js';
import type { MappingsFor } from './audit-mapping.js';

export const policyMappings: MappingsFor<PolicyEvents> = {
  // No policy category yet: a policy change is administration of how users sign in.
  'policy.updated': { category: 'user-administration', action: 'U', subject: (p) => ({ type: 'policy', id: `runtime-policies@${p.version}` }) },
};
