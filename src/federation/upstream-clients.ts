import { Inject, Injectable } from '@nestjs/common';
import { importJWK } from 'jose';
import * as oidc from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { FederationError, FederationErrorCode } from './federation.errors.js';
import type { FederationFailureReason } from './federation.events.js';
import type { IdpRow } from './federation.repository.js';
import { IdentityProvidersService } from './identity-providers.service.js';
import { OutboundHttp, OutboundRefusedError } from '../outbound/index.js';

/**
 * openid-client Configurations for the upstream IdPs, built from discovery or the explicit
 * endpoints, cached per IdP version. Every upstream call goes through the outbound HTTP policy
 * (https, timeouts, size cap, no redirects, no private address unless OUTBOUND_ALLOW_PRIVATE names it).
 */
@Injectable()
export class UpstreamClients {
  private readonly fetch: typeof globalThis.fetch;
  private readonly cache = new Map<string, { version: number; config: Promise<oidc.Configuration> }>();

  constructor(
    @Inject(APP_CONFIG) private readonly appConfig: AppConfig,
    private readonly idps: IdentityProvidersService,
    private readonly outbound: OutboundHttp,
  ) {
    this.fetch = outbound.fetchFor('upstream_idp');
  }

  /** The guarded fetch, for JWKS reads outside openid-client (logout tokens). */
  get fetchForJwks(): typeof globalThis.fetch {
    return this.fetch;
  }

  /** Where every upstream returns the browser to (register this at the upstream). */
  get callbackUrl(): string {
    return `${this.appConfig.issuer}/federation/callback`;
  }

  async configuration(idp: IdpRow): Promise<oidc.Configuration> {
    const cached = this.cache.get(idp.id);
    if (cached && cached.version === idp.version) return cached.config;
    const config = this.build(idp);
    this.cache.set(idp.id, { version: idp.version, config });
    // A failed discovery is not cached: the next sign-in tries again.
    config.catch(() => this.cache.get(idp.id)?.config === config && this.cache.delete(idp.id));
    return config;
  }

  private async build(idp: IdpRow): Promise<oidc.Configuration> {
    const metadata: Partial<oidc.ClientMetadata> = { redirect_uris: [this.callbackUrl], response_types: ['code'] };
    const auth = await this.clientAuth(idp);
    // openid-client insists on https; the policy allows http only to a literal loopback host with OUTBOUND_ALLOW_LOOPBACK.
    const insecure = this.outbound.allowsLoopback(idp.issuer);
    let config: oidc.Configuration;
    try {
      if (idp.endpoints?.authorization) {
        const e = idp.endpoints;
        config = new oidc.Configuration(
          {
            issuer: idp.issuer,
            authorization_endpoint: e.authorization,
            token_endpoint: e.token,
            jwks_uri: e.jwks,
            ...(e.userinfo ? { userinfo_endpoint: e.userinfo } : {}),
            ...(e.endSession ? { end_session_endpoint: e.endSession } : {}),
          },
          idp.clientId,
          metadata,
          auth,
        );
      } else {
        const server = new URL(idp.discoveryUrl ?? idp.issuer);
        config = await oidc.discovery(server, idp.clientId, metadata, auth, {
          [oidc.customFetch]: this.fetch,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        });
      }
    } catch (err) {
      throw new FederationError(FederationErrorCode.SIGN_IN_FAILED, `discovery of ${idp.id} failed`, { cause: err, reason: upstreamFailure(err) });
    }
    // Mix-up defence: the configuration must describe the issuer the administrator named.
    if (config.serverMetadata().issuer !== idp.issuer) {
      throw new FederationError(FederationErrorCode.SIGN_IN_FAILED, `discovery of ${idp.id} names another issuer`, { reason: 'invalid_upstream_response' });
    }
    config[oidc.customFetch] = this.fetch;
    // The ID token's signature is checked against the upstream JWKS even though it comes
    // straight from the token endpoint: TLS alone is not what we rely on to know who signed in.
    oidc.enableNonRepudiationChecks(config);
    if (insecure) oidc.allowInsecureRequests(config);
    return config;
  }

  private async clientAuth(idp: IdpRow): Promise<oidc.ClientAuth> {
    const credentials = await this.idps.credentials(idp);
    switch (idp.clientAuth) {
      case 'client_secret_post':
        return oidc.ClientSecretPost(credentials.clientSecret!);
      case 'private_key_jwt': {
        const jwk = credentials.privateJwk as { alg: string; kid?: string };
        const key = (await importJWK(jwk, jwk.alg)) as oidc.CryptoKey;
        return oidc.PrivateKeyJwt({ key, ...(jwk.kid ? { kid: jwk.kid } : {}) });
      }
      default:
        return oidc.ClientSecretBasic(credentials.clientSecret!);
    }
  }
}

/** Why an upstream call failed, as a reason code: the upstream could not be reached, or it answered wrongly. */
export function upstreamFailure(err: unknown): FederationFailureReason {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof FederationError && e.reason) return e.reason;
    if (e instanceof OutboundRefusedError) return 'upstream_unreachable';
    const { code, name, message } = e as { code?: string; name?: string; message?: string };
    if (code && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(code)) {
      return 'upstream_unreachable';
    }
    if (name === 'TimeoutError' || name === 'AbortError' || message === 'fetch failed') return 'upstream_unreachable';
  }
  return 'invalid_upstream_response';
}
