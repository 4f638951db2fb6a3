import {
  effectiveApplicationType,
  effectiveAuthMethod,
  type ApplicationType,
  type ClientRegistration,
  type MfaPolicy,
} from './clients.schemas.js';
import { fromEncryptionMetadata, toEncryptionMetadata } from './client-encryption.js';
import { fromIpAllowlistMetadata, toIpAllowlistMetadata } from './client-ip-allowlist.js';
import { fromMtlsMetadata, toMtlsMetadata } from './client-mtls.js';

/**
 * The stored form of a client is RFC 7591 metadata (what oidc-provider reads) plus columns
 * Caduceus owns (name, MFA policy, state). These two pure functions convert between it and the
 * registration fields administrators use, so an update can merge, revalidate and store back.
 */
export function toProviderMetadata(c: ClientRegistration): Record<string, unknown> {
  const method = effectiveAuthMethod(c);
  return {
    client_name: c.name,
    application_type: effectiveApplicationType(c),
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: c.grantTypes,
    response_types: c.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: method,
    id_token_signed_response_alg: c.idTokenSignedResponseAlg,
    ...(c.scope ? { scope: c.scope } : {}),
    ...(c.resourceScopes.length ? { resource_scopes: c.resourceScopes } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    ...toEncryptionMetadata(c, c.idTokenSignedResponseAlg),
    ...(c.userinfoSignedResponseAlg ? { userinfo_signed_response_alg: c.userinfoSignedResponseAlg } : {}),
    ...toIpAllowlistMetadata(c),
    ...toMtlsMetadata(c),
    ...(c.requirePushedAuthorizationRequests ? { require_pushed_authorization_requests: true } : {}),
    ...(c.requireSignedRequestObject ? { require_signed_request_object: true } : {}),
  };
}

/** The registration fields of a stored client (inverse of toProviderMetadata). */
export function fromProviderMetadata(
  clientId: string,
  name: string,
  mfaPolicy: MfaPolicy,
  m: Record<string, unknown>,
): ClientRegistration & { clientId: string } {
  const method = str(m.token_endpoint_auth_method) ?? 'client_secret_basic';
  return {
    clientId,
    name,
    type: method === 'none' ? 'public' : 'confidential',
    applicationType: (str(m.application_type) ?? 'web') as ApplicationType,
    redirectUris: strings(m.redirect_uris),
    postLogoutRedirectUris: strings(m.post_logout_redirect_uris),
    grantTypes: strings(m.grant_types) as ClientRegistration['grantTypes'],
    tokenEndpointAuthMethod: method as ClientRegistration['tokenEndpointAuthMethod'],
    jwksUri: str(m.jwks_uri),
    jwks: m.jwks as ClientRegistration['jwks'],
    scope: str(m.scope),
    resourceScopes: strings(m.resource_scopes),
    idTokenSignedResponseAlg: (str(m.id_token_signed_response_alg) ?? 'ES256') as ClientRegistration['idTokenSignedResponseAlg'],
    backchannelLogoutUri: str(m.backchannel_logout_uri),
    // Registered on its own, or implied by userinfo encryption (then the ID token's algorithm).
    userinfoSignedResponseAlg: str(m.userinfo_signed_response_alg) as ClientRegistration['userinfoSignedResponseAlg'],
    ...fromEncryptionMetadata(m),
    ...fromIpAllowlistMetadata(m),
    ...fromMtlsMetadata(m),
    mfaPolicy,
    requirePushedAuthorizationRequests: m.require_pushed_authorization_requests === true,
    requireSignedRequestObject: m.require_signed_request_object === true,
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
