import type { AdminEvents } from './admin.events.js';
import type { MappingsFor } from '../audit/index.js';

export const adminMappings: MappingsFor<AdminEvents> = {
  'admin.ip_refused': {
    category: 'user-administration',
    action: 'E',
    outcome: () => 'failure',
    actor: () => ({ type: 'anonymous', id: 'anonymous' }),
    ip: (p) => p.ip,
  },
  'admin.forbidden': { category: 'user-administration', action: 'E', outcome: () => 'failure' },
};
