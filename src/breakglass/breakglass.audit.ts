import type { BreakGlassEvents } from './breakglass.events.js';
import type { MappingsFor } from '../audit/index.js';

const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });

// Every record of an emergency session carries its id and justification (the payload), so each stands on its own.
export const breakGlassMappings: MappingsFor<BreakGlassEvents> = {
  'breakglass.started': { category: 'login', action: 'E', actor: user, subject: user, client: (p) => p.clientId },
  'breakglass.refused': {
    category: 'login',
    action: 'E',
    outcome: () => 'failure',
    actor: (p) => (p.userId ? { type: 'user', id: p.userId } : { type: 'anonymous', id: 'anonymous' }),
    subject: (p) => (p.userId ? { type: 'user', id: p.userId } : null),
  },
  'breakglass.token.issued': { category: 'token', action: 'C', actor: user, subject: user, client: (p) => p.clientId },
  'breakglass.ended': { category: 'logout', action: 'E', subject: user },
  'breakglass.reviewed': { category: 'audit-access', action: 'U', subject: (p) => ({ type: 'breakglass_session', id: p.sessionId }) },
};
