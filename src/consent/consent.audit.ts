import type { ConsentEvents } from './consent.events.js';
import type { MappingsFor } from '../audit/index.js';

const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });
const client = (p: { clientId: string }) => ({ type: 'client', id: p.clientId });
const own = (p: { clientId: string }) => p.clientId;

/** Consent decisions are authorisation acts of the user (or, for revocation, of an administrator). */
export const consentMappings: MappingsFor<ConsentEvents> = {
  'consent.granted': { category: 'token', action: 'C', actor: user, subject: user, client: own },
  'consent.denied': { category: 'token', action: 'E', outcome: () => 'failure', actor: user, subject: user, client: own },
  'consent.revoked': {
    category: 'token',
    action: 'D',
    actor: (p, event) => (p.by === 'user' ? user(p) : event.actor),
    subject: user,
    client: own,
  },
  'scopes.narrowed': { category: 'token', action: 'E', actor: client, client: own },
  'consent.client_policy.updated': { category: 'client-administration', action: 'U', subject: client, client: own },
  'consent.scope.saved': { category: 'client-administration', action: 'U', subject: (p) => ({ type: 'scope', id: p.name }) },
  'consent.scope.deleted': { category: 'client-administration', action: 'D', subject: (p) => ({ type: 'scope', id: p.name }) },
  'smart.user_context.updated': { category: 'user-administration', action: 'U', subject: user },
  'smart.launch.created': { category: 'token', action: 'C', subject: (p) => ({ type: 'patient', id: p.patientId }), client: own },
  'smart.launch.used': { category: 'token', action: 'E', actor: client, subject: (p) => ({ type: 'patient', id: p.patientId }), client: own },
  'smart.launch.refused': {
    category: 'token',
    action: 'E',
    outcome: () => 'failure',
    actor: (p, event) => (p.userId ? { type: 'user', id: p.userId } : event.actor),
    subject: (p) => (p.launchId ? { type: 'smart-launch', id: p.launchId } : null),
    client: own,
  },
};
