import type { IdentityEvents } from './identity.events.js';
import type { MappingsFor } from '../audit/index.js';

const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });
const group = (p: { groupId: string }) => ({ type: 'group', id: p.groupId });

export const identityMappings: MappingsFor<IdentityEvents> = {
  'user.created': { category: 'user-administration', action: 'C', subject: user },
  'user.password.changed': { category: 'user-administration', action: 'U', subject: user },
  'user.locked': { category: 'user-administration', action: 'U', subject: user },
  'user.disabled': { category: 'user-administration', action: 'U', subject: user },
  'user.enabled': { category: 'user-administration', action: 'U', subject: user },
  'user.updated': { category: 'user-administration', action: 'U', subject: user },
  'user.deleted': { category: 'user-administration', action: 'D', subject: user },
  'user.password.reset': { category: 'user-administration', action: 'U', subject: user },
  'user.password.link_issued': { category: 'user-administration', action: 'U', subject: user },
  'user.protected_role_granted': { category: 'user-administration', action: 'U', subject: user },
  'group.created': { category: 'user-administration', action: 'C', subject: group },
  'group.updated': { category: 'user-administration', action: 'U', subject: group },
  'group.deleted': { category: 'user-administration', action: 'D', subject: group },
};
