/** Events the clients module emits. */
export interface ClientEvents {
  'client.created': { clientId: string; name: string; grantTypes: string[]; bootstrap: boolean };
  'resource_server.created': { identifier: string; name: string; scopes: string[]; accessTokenFormat: 'jwt' | 'opaque' };
}
