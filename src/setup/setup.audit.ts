import type { SetupEvents } from './setup.events.js';
import type { MappingsFor } from '../audit/index.js';

export const setupMappings: MappingsFor<SetupEvents> = {
  'setup.link_issued': { category: 'user-administration', action: 'C' },
  'setup.completed': { category: 'user-administration', action: 'C', actor: (p) => ({ type: 'user', id: p.userId }), subject: (p) => ({ type: 'user', id: p.userId }) },
  'setup.refused': { category: 'user-administration', action: 'E', outcome: () => 'failure' },
};
