import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import { ALLOWED_IP_RANGES_METADATA, ENCRYPTION_ALGS, ENCRYPTION_ENCS, type ResourceServer } from '../clients/index.js';
import { mtlsFeature } from './client-certificate.js';
import { validateAllowedIpRanges } from './client-ip-guard.js';
import { introspectionAllowed, reportIntrospectionRefused, type IntrospectedToken, type IntrospectionCaller } from './introspection-policy.js';
import type { ScopePolicy } from './oidc.ports.js';
import { rpInitiatedLogout } from './provider-interactions.js';
import { resourceIndicators } from './provider-smart.js';

/** Asymmetric algorithms only: no HS* (client secrets are stored hashed, never usable as keys). */
const SIGNING_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;

/**
 * The protocol features on (and the dev-only ones off). The typings model features as a union
 * keyed on openid4vci; this object is checked at run time by oidc-provider.
 */
export function features(
  config: AppConfig,
  deps: { dpopNonceSecret: Buffer; scopePolicy: ScopePolicy; findResourceServer(identifier: string): Promise<ResourceServer | null> },
): Configuration['features'] {
  return {
    // Sender-constrained tokens (RFC 9449). Server nonces are always required, so a proof
    // generated in advance by someone holding a stolen key is useless.
    dPoP: { enabled: true, nonceSecret: deps.dpopNonceSecret, requireNonce: () => true, allowReplay: false },
    devInteractions: { enabled: false },
    // RFC 8705 with TLS ended at the proxy: client certificates from CLIENT_CERT_HEADER (client-certificate.ts).
    mTLS: mtlsFeature(config),
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: introspectionAllowedPolicy },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    // JWE ID tokens and userinfo for clients that register an encryption key; oidc-provider
    // answers userinfo as a JWT (signed, then encrypted) only with jwtUserinfo on.
    encryption: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: rpInitiatedLogout(config),
    backchannelLogout: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    // JAR (RFC 9101): request objects verified with the client's registered keys (asymmetric
    // algorithms only, never alg none); clients may be required to use them (require_signed_request_object).
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    registration: { enabled: false },
    resourceIndicators: resourceIndicators(config, deps.scopePolicy, deps.findResourceServer),
  } as unknown as Configuration['features'];
}

/**
 * Introspection only to the token's own client or a resource server in its audience
 * (introspection-policy.ts), and a token whose client is disabled or deleted is inactive to
 * anyone who asks.
 */
async function introspectionAllowedPolicy(ctx: KoaContextWithOIDC, client: IntrospectionCaller, token: IntrospectedToken & { clientId?: string }) {
  if (token.clientId === client.clientId) return true;
  if (!introspectionAllowed(client, token)) {
    reportIntrospectionRefused(ctx, client, token);
    return false;
  }
  return Boolean(token.clientId && (await ctx.oidc.provider.Client.find(token.clientId)));
}

/** The JOSE algorithms the provider signs, verifies and encrypts with. */
export function algorithms(config: AppConfig): NonNullable<Configuration['enabledJWA']> {
  return {
    // Tokens we sign: only the algorithms the keys module keeps an active key for (SIGNING_ALGS),
    // so discovery promises nothing we could not sign and a client pinned to another is invalid.
    idTokenSigningAlgValues: [...config.keys.signingAlgs],
    userinfoSigningAlgValues: [...config.keys.signingAlgs],
    introspectionSigningAlgValues: [...SIGNING_ALGS],
    authorizationSigningAlgValues: [...SIGNING_ALGS],
    // SMART backend services: the server validates client assertions signed with ES384 or RS384.
    clientAuthSigningAlgValues: [...SIGNING_ALGS, 'ES384', 'RS384'],
    requestObjectSigningAlgValues: [...SIGNING_ALGS],
    // JWE of ID tokens and userinfo (#10) to the client's registered key: RSA-OAEP-256 or ECDH-ES with
    // A256GCM (clients/client-encryption.ts). No symmetric key management (A*KW, dir): it would use
    // the client secret, stored here only as a keyed hash.
    idTokenEncryptionAlgValues: [...ENCRYPTION_ALGS],
    idTokenEncryptionEncValues: [...ENCRYPTION_ENCS],
    userinfoEncryptionAlgValues: [...ENCRYPTION_ALGS],
    userinfoEncryptionEncValues: [...ENCRYPTION_ENCS],
    introspectionEncryptionAlgValues: [...ENCRYPTION_ALGS],
    introspectionEncryptionEncValues: [...ENCRYPTION_ENCS],
    authorizationEncryptionAlgValues: [...ENCRYPTION_ALGS],
    authorizationEncryptionEncValues: [...ENCRYPTION_ENCS],
    // Encrypted request objects are refused: the provider has no encryption key of its own, and
    // oidc-provider would treat one decrypted with the (hashed) client secret as trusted.
    requestObjectEncryptionAlgValues: [],
    requestObjectEncryptionEncValues: [],
  };
}

/** Client metadata beyond the standard: the API scope ceiling and the allowed source IP ranges. */
export const extraClientMetadata: NonNullable<Configuration['extraClientMetadata']> = {
  properties: ['resource_scopes', ALLOWED_IP_RANGES_METADATA],
  validator: (_ctx, key, value) => {
    if (key === ALLOWED_IP_RANGES_METADATA) return validateAllowedIpRanges(value);
    if (key !== 'resource_scopes' || value === undefined) return;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/.test(v))) {
      throw new errors.InvalidClientMetadata('resource_scopes must be an array of scope tokens');
    }
  },
};
