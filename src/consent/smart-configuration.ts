/**
 * The SMART App Launch discovery document (`/.well-known/smart-configuration`), built from what
 * this service actually does — and nothing more: standalone launch, EHR launch only when it is
 * enabled (SMART_EHR_LAUNCH: an EHR creates launches through the admin API); no POST authorization: it needs SameSite=None session cookies), patient and encounter context chosen at sign-in, v1 and v2 scopes,
 * public, secret and private_key_jwt clients, backend services, refresh tokens (offline and
 * online), OpenID Connect with `fhirUser`, and the account page as the management endpoint.
 */
export const SMART_CAPABILITIES = [
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

/** What EHR launch adds, advertised only when SMART_EHR_LAUNCH is on. */
export const SMART_EHR_CAPABILITIES = ['launch-ehr', 'context-ehr-patient', 'context-ehr-encounter'] as const;

/** Client assertion algorithms the provider accepts (provider-config enabledJWA.clientAuthSigningAlgValues). */
export const CLIENT_ASSERTION_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA', 'ES384', 'RS384'] as const;

export function smartConfiguration(issuer: string, paths: { management: string }, options: { ehrLaunch: boolean } = { ehrLaunch: false }): Record<string, unknown> {
  const at = (path: string) => new URL(path, `${issuer}/`).href.replace(/\/$/, '');
  return {
    issuer,
    jwks_uri: at('jwks'),
    authorization_endpoint: at('authorize'),
    token_endpoint: at('token'),
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    scopes_supported: [
      'openid',
      'fhirUser',
      'profile',
      ...(options.ehrLaunch ? ['launch'] : []),
      'launch/patient',
      'launch/encounter',
      'offline_access',
      'online_access',
      'patient/*.cruds',
      'user/*.cruds',
      'system/*.cruds',
    ],
    response_types_supported: ['code'],
    management_endpoint: at(paths.management.replace(/^\//, '')),
    introspection_endpoint: at('introspect'),
    revocation_endpoint: at('revoke'),
    code_challenge_methods_supported: ['S256'],
    capabilities: [...SMART_CAPABILITIES, ...(options.ehrLaunch ? SMART_EHR_CAPABILITIES : [])],
  };
}
