import { X509Certificate, createPublicKey, type JsonWebKey } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { normaliseIpRange } from './ip-ranges.js';

/**
 * Mutual-TLS client authentication and certificate-bound access tokens (RFC 8705, #10). TLS
 * ends at the proxy; the certificate reaches the service in a header the proxy sets (see the
 * oidc module). Two methods: `self_signed_tls_client_auth` (the certificate itself is registered,
 * in jwks `x5c`) and `tls_client_auth` (a CA-issued certificate, known by exactly one subject
 * DN or subjectAltName value; the proxy verifies the chain).
 */
export const MTLS_AUTH_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'] as const;

/** [registration field, RFC 8705 metadata] of the values a tls_client_auth client is known by. */
export const TLS_CLIENT_AUTH_FIELDS = [
  ['tlsClientAuthSubjectDn', 'tls_client_auth_subject_dn'],
  ['tlsClientAuthSanDns', 'tls_client_auth_san_dns'],
  ['tlsClientAuthSanUri', 'tls_client_auth_san_uri'],
  ['tlsClientAuthSanIp', 'tls_client_auth_san_ip'],
  ['tlsClientAuthSanEmail', 'tls_client_auth_san_email'],
] as const;

type TlsField = (typeof TLS_CLIENT_AUTH_FIELDS)[number][0];

export type MtlsRegistration = { [F in TlsField]?: string } & { tlsClientCertificateBoundAccessTokens?: boolean };

const ONLY_ONE = 'tls_client_auth: the one certificate value the client is known by (exactly one of the tlsClientAuth* fields)';

const subjectDn = z
  .string()
  .max(1000)
  .refine((v) => parseDistinguishedName(v) !== null, { message: 'must be a distinguished name as in RFC 4514, e.g. CN=lab-system,O=Hospital,C=US' })
  .describe(`${ONLY_ONE}: the certificate subject, RFC 4514 (most specific first)`);
const sanDns = z
  .string()
  .max(253)
  .regex(/^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'must be a DNS name')
  .describe(`${ONLY_ONE}: a dNSName of the certificate's subjectAltName`);
const sanUri = z
  .string()
  .max(2000)
  .refine((v) => URL.canParse(v), { message: 'must be an absolute URI' })
  .describe(`${ONLY_ONE}: a uniformResourceIdentifier of the certificate's subjectAltName`);
const sanIp = z
  .string()
  .max(64)
  .refine((v) => isIP(v) !== 0, { message: 'must be an IPv4 or IPv6 address' })
  .describe(`${ONLY_ONE}: an iPAddress of the certificate's subjectAltName`);
const sanEmail = z.email({ error: 'must be an email address' }).max(320).describe(`${ONLY_ONE}: an rfc822Name of the certificate's subjectAltName`);
const boundTokens = z
  .boolean()
  .describe('RFC 8705: access tokens are bound to the client certificate presented at the token endpoint (cnf x5t#S256); a token call must present one');

/** For clientFields (registration). */
export const mtlsFields = {
  tlsClientAuthSubjectDn: subjectDn.optional(),
  tlsClientAuthSanDns: sanDns.optional(),
  tlsClientAuthSanUri: sanUri.optional(),
  tlsClientAuthSanIp: sanIp.optional(),
  tlsClientAuthSanEmail: sanEmail.optional(),
  tlsClientCertificateBoundAccessTokens: boundTokens.default(false),
};

/** For the update schema: null removes a value. */
export const mtlsUpdateFields = {
  tlsClientAuthSubjectDn: subjectDn.nullable().optional(),
  tlsClientAuthSanDns: sanDns.nullable().optional(),
  tlsClientAuthSanUri: sanUri.nullable().optional(),
  tlsClientAuthSanIp: sanIp.nullable().optional(),
  tlsClientAuthSanEmail: sanEmail.nullable().optional(),
  tlsClientCertificateBoundAccessTokens: boundTokens.optional(),
};

/** For the response schema. */
export const mtlsResponseFields = {
  tlsClientAuthSubjectDn: z.string().nullable(),
  tlsClientAuthSanDns: z.string().nullable(),
  tlsClientAuthSanUri: z.string().nullable(),
  tlsClientAuthSanIp: z.string().nullable(),
  tlsClientAuthSanEmail: z.string().nullable(),
  tlsClientCertificateBoundAccessTokens: boundTokens,
};

export function toMtlsResponse(c: MtlsRegistration) {
  return {
    tlsClientAuthSubjectDn: c.tlsClientAuthSubjectDn ?? null,
    tlsClientAuthSanDns: c.tlsClientAuthSanDns ?? null,
    tlsClientAuthSanUri: c.tlsClientAuthSanUri ?? null,
    tlsClientAuthSanIp: c.tlsClientAuthSanIp ?? null,
    tlsClientAuthSanEmail: c.tlsClientAuthSanEmail ?? null,
    tlsClientCertificateBoundAccessTokens: c.tlsClientCertificateBoundAccessTokens ?? false,
  };
}

/**
 * Rules across fields: tls_client_auth needs exactly one tlsClientAuth* value, and no other
 * method takes one; self_signed_tls_client_auth needs the certificate: jwks with at least one key
 * carrying it in `x5c`, or a jwksUri. In jwks, every `x5c` must start with a certificate (base64
 * DER) whose public key is the key itself, so a registered certificate always matches its key.
 */
export function mtlsRules(c: MtlsRegistration & { jwks?: unknown; jwksUri?: string }, method: string, ctx: z.RefinementCtx): void {
  const given = TLS_CLIENT_AUTH_FIELDS.filter(([field]) => c[field] !== undefined && c[field] !== null).map(([field]) => field);
  if (method === 'tls_client_auth') {
    if (given.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['tlsClientAuthSubjectDn'],
        message: `tls_client_auth needs exactly one of ${TLS_CLIENT_AUTH_FIELDS.map(([f]) => f).join(', ')}`,
      });
    }
    for (const field of given.slice(1)) {
      ctx.addIssue({ code: 'custom', path: [field], message: `give only one certificate value for tls_client_auth (${given[0]} is set)` });
    }
  } else {
    for (const field of given) ctx.addIssue({ code: 'custom', path: [field], message: 'only for tokenEndpointAuthMethod tls_client_auth' });
  }
  const keys = (c.jwks as { keys?: unknown } | undefined)?.keys;
  if (Array.isArray(keys)) {
    keys.forEach((key, i) => {
      const problem = certificateKeyProblem(key as Record<string, unknown>);
      if (problem) ctx.addIssue({ code: 'custom', path: ['jwks', 'keys', i, 'x5c'], message: problem });
    });
  }
  if (method === 'self_signed_tls_client_auth' && !c.jwksUri) {
    const withCertificate = Array.isArray(keys) && keys.some((k) => Array.isArray((k as { x5c?: unknown }).x5c));
    if (!withCertificate) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwks'],
        message: 'self_signed_tls_client_auth needs the client certificate: a key in jwks with the certificate in x5c, or a jwksUri',
      });
    }
  }
}

/** Why a JWK's `x5c` is unusable, or undefined when it is absent or fine. */
function certificateKeyProblem(key: Record<string, unknown>): string | undefined {
  if (key.x5c === undefined) return undefined;
  const chain = key.x5c;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > 10 || !chain.every((c) => typeof c === 'string' && c.length <= 16384)) {
    return 'must be an array of certificates (base64 DER), the key’s own first';
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(chain[0] as string, 'base64'));
  } catch {
    return 'the first entry must be an X.509 certificate, base64 DER (not PEM, not base64url)';
  }
  try {
    const { x5c: _chain, use: _use, alg: _alg, kid: _kid, key_ops: _ops, ...members } = key;
    const registered = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
    if (!registered.equals(certificate.publicKey)) return 'the certificate’s public key is not this key';
  } catch {
    return 'the key does not parse, so it cannot be compared with the certificate';
  }
  return undefined;
}

export function toMtlsMetadata(c: MtlsRegistration): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, name] of TLS_CLIENT_AUTH_FIELDS) if (c[field]) out[name] = c[field];
  if (c.tlsClientCertificateBoundAccessTokens) out.tls_client_certificate_bound_access_tokens = true;
  return out;
}

/** The registration fields back from stored metadata (inverse of toMtlsMetadata). */
export function fromMtlsMetadata(m: Record<string, unknown>): MtlsRegistration & { tlsClientCertificateBoundAccessTokens: boolean } {
  const out: MtlsRegistration & { tlsClientCertificateBoundAccessTokens: boolean } = {
    tlsClientCertificateBoundAccessTokens: m.tls_client_certificate_bound_access_tokens === true,
  };
  for (const [field, name] of TLS_CLIENT_AUTH_FIELDS) if (typeof m[name] === 'string') out[field] = m[name];
  return out;
}

/** OIDs and aliases of attribute types, by the short name OpenSSL (and so node) prints. */
const ATTRIBUTE_ALIASES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
  E: 'EMAILADDRESS',
  EMAIL: 'EMAILADDRESS',
  S: 'ST',
};

/** One relative distinguished name: its attributes as `TYPE=value`, sorted (a multi-valued RDN has several). */
export type Rdn = string[];

/**
 * An RFC 4514 distinguished name (`CN=lab-system,O=Hospital\, Inc.,C=US`) as its RDNs, most
 * specific first. Types are upper-cased and OIDs of common attributes named; values are
 * unescaped, trimmed, inner spaces collapsed and lower-cased, since directory names compare
 * case-insensitively (caseIgnoreMatch). Null when it does not parse; hex-encoded (#…) values
 * are not supported.
 */
export function parseDistinguishedName(dn: string, separator: ',' | '\n' = ','): Rdn[] | null {
  if (!dn.trim()) return null;
  const rdns: Rdn[] = [];
  for (const rdnText of splitUnescaped(dn, separator)) {
    const attributes: string[] = [];
    for (const attribute of splitUnescaped(rdnText, '+')) {
      const eq = attribute.indexOf('=');
      if (eq <= 0) return null;
      const rawType = attribute.slice(0, eq).trim().toUpperCase();
      if (!/^([A-Z][A-Z0-9-]*|\d+(\.\d+)*)$/.test(rawType)) return null;
      const rawValue = attribute.slice(eq + 1).trim();
      if (rawValue.startsWith('#')) return null;
      const value = unescapeValue(rawValue);
      if (value === null) return null;
      attributes.push(`${ATTRIBUTE_ALIASES[rawType] ?? rawType}=${value.replace(/\s+/g, ' ').trim().toLowerCase()}`);
    }
    rdns.push(attributes.sort());
  }
  return rdns;
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** RFC 4514 §2.4: `\` before a special character, or two hex digits of a UTF-8 byte. */
function unescapeValue(raw: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = raw.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (raw[i + 1] !== undefined && ' "#+,;<=>\\'.includes(raw[i + 1]!)) {
      bytes.push(raw.charCodeAt(i + 1));
      i += 1;
    } else {
      return null;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Whether two registered/presented IP values name the same address (IPv6 spellings differ). */
export function sameIpAddress(a: string, b: string): boolean {
  const x = normaliseIpRange(a);
  return x !== null && x === normaliseIpRange(b);
}
