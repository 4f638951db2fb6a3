import type { FederationEvents } from './federation.events.js';
import type { MappingsFor } from '../audit/index.js';

const ANONYMOUS = { type: 'anonymous', id: 'anonymous' };
const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });
const idp = (p: { idpId: string }) => ({ type: 'identity_provider', id: p.idpId });

export const federationMappings: MappingsFor<FederationEvents> = {
  'federation.login.succeeded': {
    category: 'login',
    action: 'E',
    actor: user,
    subject: user,
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'federation.login.failed': {
    category: 'login',
    action: 'E',
    outcome: () => 'failure',
    // The person is known to us only once the upstream account maps to a local user.
    actor: () => ANONYMOUS,
    subject: (p) => (p.userId ? { type: 'user', id: p.userId } : null),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'federation.user.provisioned': { category: 'user-administration', action: 'C', subject: user },
  'federation.user.linked': { category: 'user-administration', action: 'U', subject: user },
  'federation.logout.received': { category: 'logout', action: 'E', actor: (p) => idp(p), subject: user },
  'federation.idp.created': { category: 'client-administration', action: 'C', subject: idp },
  'federation.idp.updated': { category: 'client-administration', action: 'U', subject: idp },
  'federation.idp.deleted': { category: 'client-administration', action: 'D', subject: idp },
};
