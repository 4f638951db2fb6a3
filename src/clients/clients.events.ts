import type { ClientRegistration } from './clients.schemas.js';

/**
 * The non-secret fields of a client, as audit records them before and after a change.
 * Never holds the secret or its hash; `jwks` holds public keys only (the schema refuses private members).
 */
export type ClientSnapshot = Omit<ClientRegistration, 'clientId'> & { enabled: boolean };

/** Events the clients module emits. */
export interface ClientEvents {
  'client.created': { clientId: string; name: string; grantTypes: string[]; bootstrap: boolean; after: ClientSnapshot };
  /** `changed` lists the fields whose value differs between `before` and `after`. */
  'client.updated': { clientId: string; changed: string[]; before: ClientSnapshot; after: ClientSnapshot };
  /** The old secret stopped working when this was emitted; the new one is never in the payload. */
  'client.secret.rotated': { clientId: string };
  /** The client can no longer authenticate and its tokens introspect inactive; oidc may revoke its artifacts. */
  'client.disabled': { clientId: string };
  'client.enabled': { clientId: string };
  /** The client is gone (its id stays reserved); oidc revokes its artifacts. */
  /** A built-in client (the account app, the admin console) was found disabled or deleted and put back by the service. */
  'client.restored': { clientId: string; wasDeleted: boolean; wasDisabled: boolean };
  'client.deleted': { clientId: string; before: ClientSnapshot };
  'resource_server.created': { identifier: string; name: string; scopes: string[]; accessTokenFormat: 'jwt' | 'opaque' };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends ClientEvents {}
}
