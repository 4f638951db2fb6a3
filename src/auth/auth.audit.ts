import type { AuthEvents } from './auth.events.js';
import type { MappingsFor } from '../audit/index.js';

const ANONYMOUS = { type: 'anonymous', id: 'anonymous' };

export const authMappings: MappingsFor<AuthEvents> = {
  'auth.login.succeeded': {
    category: 'login',
    action: 'E',
    actor: (p) => ({ type: 'user', id: p.userId }),
    subject: (p) => ({ type: 'user', id: p.userId }),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'auth.login.failed': {
    category: 'login',
    action: 'E',
    outcome: () => 'failure',
    // Who tried is unknown; whose account was tried (when it exists) is the subject.
    actor: () => ANONYMOUS,
    subject: (p) => (p.userId ? { type: 'user', id: p.userId } : null),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'auth.flow.refused': {
    category: 'login',
    action: 'E',
    outcome: () => 'failure',
    // The person at the keyboard holds this user's first factor, not necessarily the rest.
    actor: (p) => (p.userId ? { type: 'user', id: p.userId } : ANONYMOUS),
    subject: (p) => (p.userId ? { type: 'user', id: p.userId } : null),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
};
