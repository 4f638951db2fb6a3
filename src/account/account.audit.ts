import type { AccountEvents } from './account.events.js';
import type { MappingsFor } from '../audit/index.js';

const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });

/** The person acts on their own account: they are actor and subject. */
export const accountMappings: MappingsFor<AccountEvents> = {
  'account.step_up.succeeded': { category: 'login', action: 'E', actor: user, subject: user },
  'account.step_up.failed': { category: 'login', action: 'E', outcome: () => 'failure', actor: user, subject: user },
  'account.password_change.refused': { category: 'user-administration', action: 'U', outcome: () => 'failure', actor: user, subject: user },
  'account.change.refused': { category: 'user-administration', action: 'U', outcome: () => 'failure', actor: user, subject: user },
  'account.sessions.ended': { category: 'logout', action: 'D', actor: user, subject: user },
};
