import { describe, expect, it } from 'vitest';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { refreshTokenTtl, sessionTtl, shouldRotateRefreshToken } from './provider-lifetimes.js';
import { ceilingScopes } from './provider-smart.js';

const ttl = { ttl: { sessionIdle: 900, sessionAbsolute: 43_200, refreshTokenIdle: 1800, refreshTokenAbsolute: 43_200 } } as never;
const now = Date.UTC(2026, 10, 28, 12);
const ago = (s: number) => Math.floor(now / 1000) - s;

describe('session and refresh token lifetimes', () => {
  it.each([
    ['no sign-in yet', undefined, 900],
    ['fresh sign-in: the idle window', ago(10), 900],
    ['near the absolute end: what is left', ago(43_200 - 300), 300],
    ['past the absolute end: expire now', ago(50_000), 1],
  ])('session: %s', (_l, loginTs, expected) => {
    expect(sessionTtl(ttl, loginTs, now)).toBe(expected);
  });

  it.each([
    ['first issue', undefined, 1800],
    ['rotated within the family lifetime', ago(3600), 1800],
    ['family nearly at its absolute end', ago(43_200 - 60), 60],
  ])('refresh token: %s', (_l, iiat, expected) => {
    expect(refreshTokenTtl(ttl, iiat, now)).toBe(expected);
  });
});

describe('resource scope ceiling', () => {
  it.each([
    [['a', 'b', 'c'], ['a', 'c', 'z'], ['a', 'c']],
    [['a', 'b'], [], []],
    [['a', 'b'], undefined, []],
  ])('%j within %j', (resource, ceiling, expected) => {
    expect(ceilingScopes(resource, ceiling)).toEqual(expected);
  });
});

describe('refresh token rotation (RFC 9700, FAPI 2.0)', () => {
  /** The parts of a refresh request the rule reads: the client, the token's binding and age, the DPoP header. */
  const refresh = (o: { method: string; bound?: boolean; dpop?: boolean; mtls?: boolean; passed?: number }) =>
    ({
      oidc: {
        entities: {
          Client: { clientAuthMethod: o.method, tlsClientCertificateBoundAccessTokens: o.mtls },
          RefreshToken: { isSenderConstrained: () => o.bound === true, ttlPercentagePassed: () => o.passed ?? 10 },
        },
      },
      get: (header: string) => (header.toLowerCase() === 'dpop' && o.dpop ? 'proof' : ''),
    }) as unknown as KoaContextWithOIDC;

  it.each([
    ['public client, DPoP-bound token', { method: 'none', bound: true, dpop: true }, true],
    ['public client, bearer token', { method: 'none' }, true],
    ['confidential client without DPoP or mTLS', { method: 'client_secret_basic' }, true],
    ['confidential client_secret_basic client sending a DPoP proof', { method: 'client_secret_basic', dpop: true }, true],
    ['confidential client_secret_post client with a bound token', { method: 'client_secret_post', bound: true }, true],
    ['confidential client_secret_basic client with mTLS-bound tokens', { method: 'client_secret_basic', mtls: true }, true],
    ['confidential client_secret_jwt client sending a DPoP proof', { method: 'client_secret_jwt', dpop: true }, true],
    ['private_key_jwt client without DPoP or mTLS', { method: 'private_key_jwt' }, true],
    ['private_key_jwt client refreshing with DPoP', { method: 'private_key_jwt', dpop: true }, false],
    ['private_key_jwt client with a bound token', { method: 'private_key_jwt', bound: true }, false],
    ['tls_client_auth client with mTLS-bound tokens', { method: 'tls_client_auth', mtls: true }, false],
    ['self_signed_tls_client_auth client refreshing with DPoP', { method: 'self_signed_tls_client_auth', dpop: true }, false],
    ['tls_client_auth client without bound tokens or DPoP', { method: 'tls_client_auth' }, true],
    ['private_key_jwt DPoP client, token 70% through its lifetime', { method: 'private_key_jwt', dpop: true, passed: 70 }, true],
  ])('%s: rotate %s', (_label, input, expected) => {
    expect(shouldRotateRefreshToken(refresh(input))).toBe(expected);
  });
});
