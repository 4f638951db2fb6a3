import { X509Certificate } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import { parseDistinguishedName, sameIpAddress, type Rdn } from '../clients/index.js';
import { trustedPeer } from '../hardening/index.js';

type MtlsConfig = Pick<AppConfig, 'mtls' | 'trustedProxies'>;

/** The largest certificate header taken (a URL-encoded PEM of a client certificate is a few KiB). */
const MAX_HEADER_LENGTH = 16 * 1024;

/**
 * RFC 8705 behind the proxy that terminates TLS. Rules: the client certificate is the URL-encoded
 * PEM in CLIENT_CERT_HEADER (nginx's `$ssl_client_escaped_cert`), believed only when the request's
 * immediate peer is a proxy TRUST_PROXY trusts, the peers whose X-Forwarded-For is believed
 * (the proxy overwrites the header, so a client cannot choose it); from any other peer there is
 * no certificate. A value that is not one PEM certificate is no certificate. `tls_client_auth`
 * also needs the proxy's verification of the chain (CLIENT_CERT_VERIFY_HEADER = `SUCCESS`, nginx's
 * `$ssl_client_verify`), and is offered only when that header is configured. Without
 * CLIENT_CERT_HEADER the feature is off and no mTLS method is offered.
 */
export function mtlsFeature(config: MtlsConfig): Record<string, unknown> {
  const header = config.mtls.certificateHeader;
  if (!header) return { enabled: false };
  const verifyHeader = config.mtls.verifyHeader;
  const fromProxy = trustedPeer(config.trustedProxies);
  const seen = new WeakMap<object, X509Certificate | null>();
  const getCertificate = (ctx: KoaContextWithOIDC): X509Certificate | undefined => {
    // Asked several times per request (authentication, binding, userinfo): parsed once.
    if (!seen.has(ctx)) seen.set(ctx, fromProxy(ctx.req.socket?.remoteAddress) ? parseCertificateHeader(ctx.get(header)) ?? null : null);
    return seen.get(ctx) ?? undefined;
  };
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    selfSignedTlsClientAuth: true,
    tlsClientAuth: Boolean(verifyHeader),
    getCertificate,
    certificateAuthorized: (ctx: KoaContextWithOIDC) =>
      Boolean(verifyHeader) && fromProxy(ctx.req.socket?.remoteAddress) && ctx.get(verifyHeader!) === 'SUCCESS',
    certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) => {
      const certificate = getCertificate(ctx);
      return Boolean(certificate) && certificateMatches(certificate!, property, expected);
    },
  };
}

/** The client authentication methods the configuration makes available. */
export function mtlsAuthMethods(config: MtlsConfig): string[] {
  if (!config.mtls.certificateHeader) return [];
  return config.mtls.verifyHeader ? ['self_signed_tls_client_auth', 'tls_client_auth'] : ['self_signed_tls_client_auth'];
}

/**
 * Why a registration needs what this deployment does not offer, or undefined: oidc-provider would
 * refuse it with a bare list of methods, an administrator needs to know which setting is missing.
 */
export function mtlsRegistrationProblem(config: MtlsConfig, metadata: Record<string, unknown>): { field: string; message: string } | undefined {
  const method = metadata.token_endpoint_auth_method;
  const offered = mtlsAuthMethods(config);
  if ((method === 'self_signed_tls_client_auth' || method === 'tls_client_auth') && !offered.includes(method)) {
    const missing = config.mtls.certificateHeader ? 'CLIENT_CERT_VERIFY_HEADER' : 'CLIENT_CERT_HEADER';
    return { field: 'tokenEndpointAuthMethod', message: `${method} is not enabled on this service (set ${missing}: client certificates come from the TLS-terminating proxy)` };
  }
  if (metadata.tls_client_certificate_bound_access_tokens === true && !config.mtls.certificateHeader) {
    return { field: 'tlsClientCertificateBoundAccessTokens', message: 'certificate-bound tokens need CLIENT_CERT_HEADER (client certificates come from the TLS-terminating proxy)' };
  }
  return undefined;
}

/** One certificate from a header value: URL-encoded PEM (or PEM as is); anything else is none. */
export function parseCertificateHeader(value: string | undefined): X509Certificate | undefined {
  if (!value || value.length > MAX_HEADER_LENGTH) return undefined;
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (blocks?.length !== 1) return undefined;
  try {
    return new X509Certificate(blocks[0]!);
  } catch {
    return undefined;
  }
}

/**
 * RFC 8705 §2.1.2: whether the certificate carries the registered value. The subject DN compares
 * RDN by RDN (RFC 4514 order, attribute names and case-insensitive values normalised); the SAN
 * values compare exactly, but DNS names and email addresses ignore case and IP addresses compare as
 * addresses.
 */
export function certificateMatches(certificate: X509Certificate, property: string, expected: string): boolean {
  if (property === 'tls_client_auth_subject_dn') {
    const registered = parseDistinguishedName(expected);
    const presented = certificateSubject(certificate);
    return Boolean(registered && presented) && sameRdns(registered!, presented!);
  }
  const kind = { tls_client_auth_san_dns: 'DNS', tls_client_auth_san_uri: 'URI', tls_client_auth_san_ip: 'IP Address', tls_client_auth_san_email: 'email' }[property];
  if (!kind) return false;
  return subjectAltNames(certificate)
    .filter(([k]) => k === kind)
    .some(([, value]) => {
      if (kind === 'IP Address') return sameIpAddress(value, expected);
      if (kind === 'URI') return value === expected;
      return value.toLowerCase() === expected.toLowerCase();
    });
}

/** node prints the subject one RDN a line, in certificate order (least specific first), RFC 2253 escapes. */
function certificateSubject(certificate: X509Certificate): Rdn[] | null {
  const rdns = parseDistinguishedName(certificate.subject, '\n');
  return rdns ? rdns.reverse() : null;
}

function sameRdns(a: Rdn[], b: Rdn[]): boolean {
  return a.length === b.length && a.every((rdn, i) => rdn.length === b[i]!.length && rdn.every((attribute, j) => attribute === b[i]![j]));
}

/** `DNS:a, IP Address:10.0.0.1, URI:"https://x/a,b"` as [kind, value] pairs (node quotes values with special characters as JSON strings). */
function subjectAltNames(certificate: X509Certificate): Array<[string, string]> {
  const text = certificate.subjectAltName;
  if (!text) return [];
  const pairs: Array<[string, string]> = [];
  const entry = /(DNS|URI|IP Address|email|othername|DirName|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const [, kind, raw] of text.matchAll(entry)) {
    let value = raw!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    pairs.push([kind!, value]);
  }
  return pairs;
}
