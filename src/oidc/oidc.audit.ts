import type { OidcEvents } from './oidc.events.js';
import type { MappingsFor } from '../audit/index.js';

const holder = (p: { accountId: string | null; clientId: string }) =>
  p.accountId ? { type: 'user', id: p.accountId } : { type: 'client', id: p.clientId };

export const oidcMappings: MappingsFor<OidcEvents> = {
  'oidc.token.issued': { category: 'token', action: 'C', subject: holder, client: (p) => p.clientId || null },
  'oidc.token.revoked': { category: 'token', action: 'D', subject: holder, client: (p) => p.clientId || null },
  'oidc.grant.failed': {
    category: 'token',
    action: 'E',
    outcome: () => 'failure',
    actor: (p) => (p.clientId ? { type: 'client', id: p.clientId } : { type: 'anonymous', id: 'anonymous' }),
    client: (p) => p.clientId,
  },
  'oidc.introspection.refused': {
    category: 'token',
    action: 'R',
    outcome: () => 'failure',
    actor: (p) => ({ type: 'client', id: p.callerClientId }),
    subject: (p) => (p.tokenClientId ? { type: 'client', id: p.tokenClientId } : null),
    client: (p) => p.callerClientId,
  },
  'oidc.client.ip_refused': {
    category: 'token',
    action: 'E',
    outcome: () => 'failure',
    actor: (p) => ({ type: 'client', id: p.clientId }),
    client: (p) => p.clientId,
    ip: (p) => p.ip,
  },
  'auth.logout': {
    category: 'logout',
    action: 'E',
    actor: (p, event) => (p.accountId ? { type: 'user', id: p.accountId } : event.actor),
    subject: (p) => (p.accountId ? { type: 'user', id: p.accountId } : null),
    client: (p) => p.clientId,
    sessionId: (p) => p.sessionUid,
  },
  'session.revoked': {
    category: 'logout',
    action: 'D',
    subject: (p) => ({ type: 'user', id: p.accountId }),
    sessionId: (p) => p.sessionUid,
  },
  'auth.session.expired': {
    category: 'logout',
    action: 'E',
    subject: (p) => ({ type: 'user', id: p.accountId }),
    sessionId: (p) => p.sessionUid,
  },
};
