import { describe, expect, it } from 'vitest';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { certificateMatches, mtlsAuthMethods, mtlsFeature, mtlsRegistrationProblem, parseCertificateHeader } from './client-certificate.js';

// A leaf of a test CA (openssl, valid until 2126): subject C=US, O=Hospital\, Inc., OU=Lab+UID=x1, CN=lab-system;
// subjectAltName DNS:lab.hospital.test, IP:2001:db8::1, email:lab@hospital.test, URI:https://lab.hospital.test/a.
const PEM = `-----BEGIN CERTIFICATE-----
MIICPzCCAeagAwIBAgIUKWzkC6pN3fHSA/ve5b2ToMXCHjkwCgYIKoZIzj0EAwIw
PTELMAkGA1UEBhMCVVMxETAPBgNVBAoMCEhvc3BpdGFsMRswGQYDVQQDDBJIb3Nw
aXRhbCBEZXZpY2UgQ0EwIBcNMjYxMTI4MTQyMjU4WhgPMjEyNjExMDQxNDIyNTha
MFsxCzAJBgNVBAYTAlVTMRcwFQYDVQQKDA5Ib3NwaXRhbCwgSW5jLjEeMAoGA1UE
CwwDTGFiMBAGCgmSJomT8ixkAQEMAngxMRMwEQYDVQQDDApsYWItc3lzdGVtMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJP873oDAfQRK8z53CFH5zbv3xrMd1GVs
pohV/jn64h43vG9qTm/4a/tS2eYc4xm4NuEmz8Ns55U6EZcMJu+SPaOBozCBoDBe
BgNVHREEVzBVghFsYWIuaG9zcGl0YWwudGVzdIcQIAENuAAAAAAAAAAAAAAAAYER
bGFiQGhvc3BpdGFsLnRlc3SGG2h0dHBzOi8vbGFiLmhvc3BpdGFsLnRlc3QvYTAd
BgNVHQ4EFgQUs4eQw6wu06KP25ZJPeLIJ/33C9swHwYDVR0jBBgwFoAU9YkTfm/C
Luf5fIEw6LIR4ly8bm4wCgYIKoZIzj0EAwIDRwAwRAIgW/+VtgbRLux22EPy0zKU
nJCJ1tCUQ6zUJlOikBNy3YECIH2Cg8qT7Xv6CT1PyfJCTjPnVSaDuYa2B+M1Lb/t
0x5u
-----END CERTIFICATE-----
`;
const HEADER = encodeURIComponent(PEM);

/** Just what getCertificate and certificateAuthorized read: the socket's peer and the request headers. */
function request(peer: string, headers: Record<string, string>): KoaContextWithOIDC {
  return { req: { socket: { remoteAddress: peer } }, get: (name: string) => headers[name.toLowerCase()] ?? '' } as unknown as KoaContextWithOIDC;
}

type Feature = {
  enabled: boolean;
  getCertificate(ctx: KoaContextWithOIDC): unknown;
  certificateAuthorized(ctx: KoaContextWithOIDC): boolean;
};

const feature = (trustedProxies: boolean | number | string[], verifyHeader?: string) =>
  mtlsFeature({ trustedProxies, mtls: { certificateHeader: 'x-ssl-client-cert', verifyHeader } }) as unknown as Feature;

describe('client certificates from the proxy', () => {
  it('reads the URL-encoded PEM only from a trusted proxy', () => {
    const mtls = feature(['10.0.0.5', 'loopback']);
    expect(mtls.getCertificate(request('10.0.0.5', { 'x-ssl-client-cert': HEADER }))).toBeDefined();
    expect(mtls.getCertificate(request('::ffff:127.0.0.1', { 'x-ssl-client-cert': HEADER }))).toBeDefined();
    expect(mtls.getCertificate(request('10.0.0.6', { 'x-ssl-client-cert': HEADER }))).toBeUndefined();
    // With a number of proxies the peer is the nearest proxy, whoever it is; with false there is none.
    expect(feature(1).getCertificate(request('10.9.9.9', { 'x-ssl-client-cert': HEADER }))).toBeDefined();
    expect(feature(false).getCertificate(request('127.0.0.1', { 'x-ssl-client-cert': HEADER }))).toBeUndefined();
  });

  it('is off without a header, and offers tls_client_auth only with the verification header', () => {
    expect(mtlsFeature({ trustedProxies: 1, mtls: {} })).toEqual({ enabled: false });
    expect(mtlsAuthMethods({ trustedProxies: 1, mtls: {} })).toEqual([]);
    expect(mtlsAuthMethods({ trustedProxies: 1, mtls: { certificateHeader: 'x-c' } })).toEqual(['self_signed_tls_client_auth']);
    expect(mtlsAuthMethods({ trustedProxies: 1, mtls: { certificateHeader: 'x-c', verifyHeader: 'x-v' } })).toEqual(['self_signed_tls_client_auth', 'tls_client_auth']);
  });

  it('believes the chain verified only when a trusted proxy says SUCCESS', () => {
    const mtls = feature(['10.0.0.5'], 'x-ssl-client-verify');
    expect(mtls.certificateAuthorized(request('10.0.0.5', { 'x-ssl-client-verify': 'SUCCESS' }))).toBe(true);
    expect(mtls.certificateAuthorized(request('10.0.0.5', { 'x-ssl-client-verify': 'FAILED:self signed certificate' }))).toBe(false);
    expect(mtls.certificateAuthorized(request('10.0.0.6', { 'x-ssl-client-verify': 'SUCCESS' }))).toBe(false);
  });

  it.each([
    ['a URL-encoded PEM', HEADER, true],
    ['a raw PEM', PEM, true],
    ['empty (nginx without a client certificate)', '', false],
    ['two certificates', encodeURIComponent(PEM + PEM), false],
    ['not a certificate', encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), false],
    ['a broken escape', '%E0%A4%A', false],
  ])('parses %s: %s', (_label, value, parses) => {
    expect(parseCertificateHeader(value) !== undefined).toBe(parses);
  });
});

describe('tls_client_auth subject matching (RFC 8705 §2.1.2)', () => {
  const certificate = parseCertificateHeader(HEADER)!;

  it.each([
    ['tls_client_auth_subject_dn', 'CN=lab-system,OU=Lab+UID=x1,O=Hospital\\, Inc.,C=US', true],
    ['tls_client_auth_subject_dn', 'cn=LAB-SYSTEM, uid=x1+ou=lab, o=Hospital\\2C Inc., 2.5.4.6=us', true],
    ['tls_client_auth_subject_dn', 'CN=lab-system,O=Hospital\\, Inc.,C=US', false],
    ['tls_client_auth_subject_dn', 'C=US,O=Hospital\\, Inc.,OU=Lab+UID=x1,CN=lab-system', false],
    ['tls_client_auth_subject_dn', 'CN=pharmacy-system,OU=Lab+UID=x1,O=Hospital\\, Inc.,C=US', false],
    ['tls_client_auth_san_dns', 'LAB.hospital.test', true],
    ['tls_client_auth_san_dns', 'hospital.test', false],
    ['tls_client_auth_san_ip', '2001:db8::1', true],
    ['tls_client_auth_san_ip', '2001:db8::2', false],
    ['tls_client_auth_san_email', 'lab@hospital.test', true],
    ['tls_client_auth_san_uri', 'https://lab.hospital.test/a', true],
    ['tls_client_auth_san_uri', 'https://lab.hospital.test/A', false],
  ])('%s %s → %s', (property, expected, matches) => {
    expect(certificateMatches(certificate, property, expected)).toBe(matches);
  });
});

describe('registrations this deployment cannot serve', () => {
  it('names the missing setting', () => {
    const off = { trustedProxies: 1, mtls: {} };
    expect(mtlsRegistrationProblem(off, { token_endpoint_auth_method: 'self_signed_tls_client_auth' })).toMatchObject({
      field: 'tokenEndpointAuthMethod',
      message: expect.stringMatching(/CLIENT_CERT_HEADER/),
    });
    expect(mtlsRegistrationProblem(off, { token_endpoint_auth_method: 'client_secret_basic', tls_client_certificate_bound_access_tokens: true })).toMatchObject({
      field: 'tlsClientCertificateBoundAccessTokens',
    });
    const selfSignedOnly = { trustedProxies: 1, mtls: { certificateHeader: 'x-c' } };
    expect(mtlsRegistrationProblem(selfSignedOnly, { token_endpoint_auth_method: 'tls_client_auth' })?.message).toMatch(/CLIENT_CERT_VERIFY_HEADER/);
    expect(mtlsRegistrationProblem(selfSignedOnly, { token_endpoint_auth_method: 'self_signed_tls_client_auth' })).toBeUndefined();
  });
});
