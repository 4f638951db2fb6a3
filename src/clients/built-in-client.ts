import { SYSTEM_ACTOR } from '../events/index.js';
import type { ClientManagementService } from './client-management.service.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import type { ClientsService } from './clients.service.js';

/** A public client this service registers for its own pages (the account app, the admin console). */
export interface BuiltInPublicClient {
  clientId: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  resourceScopes: string[];
  /** The issuer: over plain http (development) only a native app may use an http loopback redirect. */
  issuer: string;
}

/**
 * Registers a built-in public client, or re-aligns the row found under its id. Rules: every
 * security-relevant field is set again on every registration (an update that changes nothing
 * writes nothing), so a row found under this id is never trusted as it is; a confidential row
 * cannot take auth method none and fails closed; MFA is always required; another instance
 * registering it between the read and the insert is not an error; a disabled or deleted row is
 * restored (the admin API refuses to change, disable or delete a built-in client). One definition for every
 * built-in client, so their rules cannot drift apart.
 */
export async function ensureBuiltInPublicClient(
  management: ClientManagementService,
  clients: ClientsService,
  spec: BuiltInPublicClient,
): Promise<'created' | 'aligned'> {
  const applicationType = spec.issuer.startsWith('https://') ? 'web' : 'native';
  // Disabled or deleted (by hand in the database, or before the admin API refused it): put back first.
  await management.restoreBuiltIn(spec.clientId, SYSTEM_ACTOR);
  try {
    await management.get(spec.clientId);
    await management.update(
      spec.clientId,
      {
        redirectUris: spec.redirectUris,
        postLogoutRedirectUris: spec.postLogoutRedirectUris,
        applicationType,
        grantTypes: ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        scope: null,
        resourceScopes: spec.resourceScopes,
        jwks: null,
        jwksUri: null,
        backchannelLogoutUri: null,
        mfaPolicy: 'required',
      },
      { actor: SYSTEM_ACTOR },
    );
    return 'aligned';
  } catch (err) {
    if (!(err instanceof ClientsError && err.code === ClientsErrorCode.CLIENT_NOT_FOUND)) throw err;
  }
  try {
    await clients.createClient(
      {
        clientId: spec.clientId,
        name: spec.name,
        type: 'public',
        applicationType,
        redirectUris: spec.redirectUris,
        postLogoutRedirectUris: spec.postLogoutRedirectUris,
        grantTypes: ['authorization_code'],
        mfaPolicy: 'required',
        resourceScopes: spec.resourceScopes,
      },
      SYSTEM_ACTOR,
      { builtIn: true },
    );
    return 'created';
  } catch (created) {
    // Another instance registered it between our read and our insert.
    if (!(created instanceof ClientsError && created.code === ClientsErrorCode.CLIENT_ALREADY_EXISTS)) throw created;
    return 'aligned';
  }
}
