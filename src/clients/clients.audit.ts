import type { ClientEvents } from './clients.events.js';
import type { MappingsFor } from '../audit/index.js';

const client = (p: { clientId: string }) => ({ type: 'client', id: p.clientId });
const own = (p: { clientId: string }) => p.clientId;

export const clientMappings: MappingsFor<ClientEvents> = {
  'client.created': { category: 'client-administration', action: 'C', subject: client, client: own },
  'client.updated': { category: 'client-administration', action: 'U', subject: client, client: own },
  'client.secret.rotated': { category: 'client-administration', action: 'U', subject: client, client: own },
  'client.disabled': { category: 'client-administration', action: 'U', subject: client, client: own },
  'client.enabled': { category: 'client-administration', action: 'U', subject: client, client: own },
  'client.restored': { category: 'client-administration', action: 'U', subject: client, client: own },
  'client.deleted': { category: 'client-administration', action: 'D', subject: client, client: own },
  'resource_server.created': {
    category: 'client-administration',
    action: 'C',
    subject: (p) => ({ type: 'resource_server', id: p.identifier }),
  },
};
