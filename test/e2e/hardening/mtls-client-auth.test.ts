import { execFileSync } from 'node:child_process';
import { X509Certificate, hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type AdminApi } from '../../integration/admin/admin-api.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

const CERT_HEADER = 'X-SSL-Client-Cert';
const VERIFY_HEADER = 'X-SSL-Client-Verify';

/**
 * Node cannot make X.509 certificates, so the test asks the openssl command line (present on the
 * development and CI machines) for them: self-signed ones, and a small CA with leaves it signs.
 */
class Certificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'caduceus-mtls-'));

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  selfSigned(name: string, subject: string): X509Certificate {
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject]);
    return new X509Certificate(readFileSync(join(this.dir, `${name}.pem`)));
  }

  /** A leaf signed by the CA `ca` (made with selfSigned), with a subjectAltName. */
  issued(ca: string, name: string, subject: string, san: string): X509Certificate {
    this.openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    writeFileSync(join(this.dir, `${name}.ext`), `[san]\nsubjectAltName=${san}\n`);
    this.openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extensions', 'san', '-extfile', `${name}.ext`]);
    return new X509Certificate(readFileSync(join(this.dir, `${name}.pem`)));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The JWK of a certificate's key with the certificate in x5c, as a self_signed_tls_client_auth client registers it. */
function jwkWithCertificate(certificate: X509Certificate): Record<string, unknown> {
  return { ...certificate.publicKey.export({ format: 'jwk' }), x5c: [certificate.raw.toString('base64')] };
}

/** RFC 8705 §3.1: the SHA-256 thumbprint of the DER certificate, base64url. */
const thumbprint = (certificate: X509Certificate) => hash('sha256', certificate.raw, 'base64url');

/** What nginx sends in $ssl_client_escaped_cert: the PEM, URL-encoded. */
const escaped = (certificate: X509Certificate) => encodeURIComponent(certificate.toString());

function oauthError(err: unknown): { status: number; error: string | undefined } {
  if (err instanceof oidc.WWWAuthenticateChallengeError) return { status: err.status, error: err.cause[0]?.parameters.error };
  if (err instanceof oidc.ResponseBodyError) return { status: err.status, error: err.error };
  throw err;
}

/**
 * Mutual-TLS client authentication with TLS ended at the proxy (RFC 8705, #10): the proxy puts the
 * client certificate in a header; the service believes it only from a peer TRUST_PROXY trusts.
 * The test plays the proxy (it connects from loopback, which the service trusts) and, against a
 * second instance that trusts another address, a caller that forges the header.
 */
describe('mTLS client authentication and certificate-bound tokens behind the proxy', () => {
  const certs = new Certificates();
  let api: AdminApi;
  let untrusted: RunningApp;
  let admin: string;
  let gatewayCert: X509Certificate;
  let otherCert: X509Certificate;
  let gateway: { clientId: string };

  beforeAll(async () => {
    gatewayCert = certs.selfSigned('gateway', '/CN=lab-gateway');
    otherCert = certs.selfSigned('other', '/CN=lab-gateway');
    const env = { CLIENT_CERT_HEADER: CERT_HEADER, CLIENT_CERT_VERIFY_HEADER: VERIFY_HEADER };
    api = await startAdminApi({ ...env, TRUST_PROXY: 'loopback' });
    untrusted = await startApp({ ...env, DATABASE_URL: api.db.url, KEY_ENCRYPTION_KEY: testKek(), TRUST_PROXY: '192.0.2.250' });
    admin = await api.token(['client-admin']);
    gateway = await register({
      name: 'Lab gateway',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [jwkWithCertificate(gatewayCert)] },
      tlsClientCertificateBoundAccessTokens: true,
    });
  });

  afterAll(async () => {
    await untrusted?.close();
    await api?.close();
    certs.remove();
  });

  async function register(body: Record<string, unknown>): Promise<{ clientId: string }> {
    const res = await api.call('POST', '/admin/v1/clients', { token: admin, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.clientSecret).toBeNull();
    return { clientId: res.body.clientId };
  }

  /** openid-client as the client; `headers` are what the proxy adds after the TLS handshake. */
  async function relyingParty(clientId: string, headers: Record<string, string>, baseUrl = api.url): Promise<oidc.Configuration> {
    const config = await oidc.discovery(new URL(baseUrl), clientId, undefined, oidc.TlsClientAuth(), { execute: [oidc.allowInsecureRequests] });
    config[oidc.customFetch] = (url, options) => {
      const merged = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return fetch(url, { ...options, headers: merged } as RequestInit);
    };
    return config;
  }

  it('advertises the mTLS methods and certificate-bound tokens in discovery', async () => {
    const meta = (await fetch(`${api.url}/.well-known/openid-configuration`).then((r) => r.json())) as Record<string, unknown>;
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['self_signed_tls_client_auth', 'tls_client_auth']));
    expect(meta.tls_client_certificate_bound_access_tokens).toBe(true);
  });

  it('self_signed_tls_client_auth: a client-credentials token for the registered certificate, bound to it (cnf x5t#S256)', async () => {
    const rp = await relyingParty(gateway.clientId, { [CERT_HEADER]: escaped(gatewayCert) });
    const tokens = await oidc.clientCredentialsGrant(rp);
    expect(tokens.access_token).toBeTruthy();
    const introspection = await oidc.tokenIntrospection(rp, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: gateway.clientId, cnf: { 'x5t#S256': thumbprint(gatewayCert) } });
  });

  it('refuses another certificate, and no certificate, with invalid_client', async () => {
    const wrong = await oidc.clientCredentialsGrant(await relyingParty(gateway.clientId, { [CERT_HEADER]: escaped(otherCert) })).catch((e: unknown) => e);
    expect(oauthError(wrong)).toEqual({ status: 401, error: 'invalid_client' });
    const none = await oidc.clientCredentialsGrant(await relyingParty(gateway.clientId, {})).catch((e: unknown) => e);
    expect(oauthError(none)).toEqual({ status: 401, error: 'invalid_client' });
    const garbage = await oidc.clientCredentialsGrant(await relyingParty(gateway.clientId, { [CERT_HEADER]: 'not%20a%20certificate' })).catch((e: unknown) => e);
    expect(oauthError(garbage)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('ignores the certificate header from a peer that is not a trusted proxy: the right certificate gets invalid_client', async () => {
    const forged = await relyingParty(gateway.clientId, { [CERT_HEADER]: escaped(gatewayCert) }, untrusted.url);
    const refused = await oidc.clientCredentialsGrant(forged).catch((e: unknown) => e);
    expect(oauthError(refused)).toEqual({ status: 401, error: 'invalid_client' });
    const rows = await api.db.query<{ details: { endpoint: string; error: string } }>(
      `SELECT details FROM audit_events WHERE event_type = 'oidc.grant.failed' AND client_id = $1`,
      [gateway.clientId],
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.every((r) => r.details.error === 'invalid_client')).toBe(true);
  });

  describe('tls_client_auth (a certificate from the hospital CA, verified by the proxy)', () => {
    let leaf: X509Certificate;
    let stranger: X509Certificate;

    beforeAll(() => {
      certs.selfSigned('ca', '/C=US/O=Hospital/CN=Hospital Device CA');
      leaf = certs.issued('ca', 'lab', '/C=US/O=Hospital, Inc./CN=lab-system', 'DNS:lab.hospital.test,IP:10.1.2.3');
      stranger = certs.issued('ca', 'pharmacy', '/C=US/O=Hospital, Inc./CN=pharmacy-system', 'DNS:pharmacy.hospital.test');
    });

    it('authenticates a client known by its subject DN or by a subjectAltName, when the proxy says the chain verified', async () => {
      const byDn = await register({
        name: 'Lab system',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'tls_client_auth',
        tlsClientAuthSubjectDn: 'cn=lab-system, o=Hospital\\, Inc., c=US',
      });
      const byIp = await register({
        name: 'Lab system (by address)',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'tls_client_auth',
        tlsClientAuthSanIp: '10.1.2.3',
      });
      const verified = { [CERT_HEADER]: escaped(leaf), [VERIFY_HEADER]: 'SUCCESS' };
      expect((await oidc.clientCredentialsGrant(await relyingParty(byDn.clientId, verified))).access_token).toBeTruthy();
      expect((await oidc.clientCredentialsGrant(await relyingParty(byIp.clientId, verified))).access_token).toBeTruthy();

      // Another certificate of the same CA is not this client.
      const other = { [CERT_HEADER]: escaped(stranger), [VERIFY_HEADER]: 'SUCCESS' };
      expect(oauthError(await oidc.clientCredentialsGrant(await relyingParty(byDn.clientId, other)).catch((e: unknown) => e)).error).toBe('invalid_client');
      // A chain the proxy could not verify, or no verification result, is refused.
      const unverified: Array<Record<string, string>> = [{ [VERIFY_HEADER]: 'FAILED:unable to verify the first certificate' }, {}];
      for (const verify of unverified) {
        const rp = await relyingParty(byDn.clientId, { [CERT_HEADER]: escaped(leaf), ...verify });
        expect(oauthError(await oidc.clientCredentialsGrant(rp).catch((e: unknown) => e)).error).toBe('invalid_client');
      }
    });
  });

  it('documents the client-network and mTLS fields in the OpenAPI document: registration, update and response', async () => {
    const doc = (await api.call('GET', '/admin/openapi.json')).body;
    const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()]) : schema);
    const schemas = {
      register: resolve(doc.paths['/admin/v1/clients'].post.requestBody.content['application/json'].schema),
      update: resolve(doc.paths['/admin/v1/clients/{clientId}'].patch.requestBody.content['application/json'].schema),
      response: resolve(doc.paths['/admin/v1/clients/{clientId}'].get.responses['200'].content['application/json'].schema),
    };
    for (const [name, schema] of Object.entries(schemas)) {
      for (const field of ['allowedIpRanges', 'tlsClientAuthSubjectDn', 'tlsClientAuthSanDns', 'tlsClientAuthSanUri', 'tlsClientAuthSanIp', 'tlsClientAuthSanEmail', 'tlsClientCertificateBoundAccessTokens']) {
        expect(schema.properties?.[field], `${name}.${field}`).toBeDefined();
      }
      expect(JSON.stringify(schema.properties.tokenEndpointAuthMethod), name).toMatch(/self_signed_tls_client_auth/);
    }
    expect(schemas.register.properties.allowedIpRanges.description).toMatch(/CIDR/);
  });

  it('refuses registrations that could never authenticate, naming the field', async () => {
    const post = (body: Record<string, unknown>) =>
      api.call('POST', '/admin/v1/clients', { token: admin, body: { name: 'x', type: 'confidential', grantTypes: ['client_credentials'], ...body } });
    const fields = (res: { body: { errors: Array<{ field: string }> } }) => res.body.errors.map((e) => e.field).sort();

    const noCertificate = await post({ tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwks: { keys: [gatewayCert.publicKey.export({ format: 'jwk' })] } });
    expect(noCertificate.status).toBe(400);
    expect(fields(noCertificate)).toEqual(['jwks']);

    const mismatched = await post({
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...gatewayCert.publicKey.export({ format: 'jwk' }), x5c: [otherCert.raw.toString('base64')] }] },
    });
    expect(mismatched.status).toBe(400);
    expect(fields(mismatched)).toEqual(['jwks.keys.0.x5c']);

    const nothingToMatch = await post({ tokenEndpointAuthMethod: 'tls_client_auth' });
    expect(fields(nothingToMatch)).toEqual(['tlsClientAuthSubjectDn']);
    const twoValues = await post({ tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=a', tlsClientAuthSanDns: 'a.hospital.test' });
    expect(fields(twoValues)).toEqual(['tlsClientAuthSanDns']);
    const badDn = await post({ tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'lab-system' });
    expect(fields(badDn)).toEqual(['tlsClientAuthSubjectDn']);
    const wrongMethod = await post({ tlsClientAuthSanDns: 'a.hospital.test' });
    expect(fields(wrongMethod)).toEqual(['tlsClientAuthSanDns']);
  });
});
