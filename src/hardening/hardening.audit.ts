import type { HardeningEvents } from './hardening.events.js';
import type { MappingsFor } from '../audit/index.js';

export const hardeningMappings: MappingsFor<HardeningEvents> = {
  'hardening.rate_limit.exceeded': {
    // Floods against the front door (sign-in forms, token endpoint, admin API) are read with the login records.
    category: 'login',
    action: 'E',
    outcome: () => 'failure',
    actor: (p) => (p.clientId ? { type: 'client', id: p.clientId } : { type: 'anonymous', id: 'anonymous' }),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'hardening.outbound.refused': {
    // The URL came from a client registration, an IdP configuration or a webhook subscription: read with their administration.
    category: 'client-administration',
    action: 'E',
    outcome: () => 'failure',
    subject: (p) => ({ type: 'outbound_url', id: p.target }),
  },
};
