import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientsService } from '../../../src/clients/index.js';
import { useApp } from '../../support/fixture.js';

const FHIR = 'https://fhir.hospital.test/r4';

/** RFC 8707 resource indicators and RFC 9068 JWT access tokens, verified the way an API would. */
describe('access tokens for a registered API', () => {
  let clientId: string;
  let clientSecret: string;

  const running = useApp();

  beforeAll(async () => {
    const clients = running.app.get(ClientsService);
    await clients.registerResourceServer({
      identifier: FHIR,
      name: 'FHIR server',
      scopes: ['system/Observation.rs', 'system/Patient.rs', 'system/Patient.cruds'],
      accessTokenFormat: 'jwt',
    });
    const created = await clients.createClient({
      name: 'Lab interface',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceScopes: ['system/Observation.rs', 'system/Patient.rs'],
    });
    clientId = created.clientId;
    clientSecret = created.clientSecret!;
  });

  const discover = () =>
    oidc.discovery(new URL(running.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });

  it('issues an at+jwt for the resource that verifies against /jwks with the right audience', async () => {
    const config = await discover();
    const tokens = await oidc.clientCredentialsGrant(config, { resource: FHIR, scope: 'system/Observation.rs' });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: running.url, audience: FHIR, typ: 'at+jwt' });
    expect(payload.client_id).toBe(clientId);
    expect(payload.scope).toBe('system/Observation.rs');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
    expect(payload.jti).toBeTruthy();
  });

  it('narrows a request to the client ceiling, never widening it', async () => {
    const config = await discover();
    const tokens = await oidc.clientCredentialsGrant(config, {
      resource: FHIR,
      scope: 'system/Observation.rs system/Patient.cruds',
    });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { audience: FHIR });
    // Patient.cruds asked, Patient.rs allowed: the SMART intersection, never the wider request.
    expect(String(payload.scope).split(' ').sort()).toEqual(['system/Observation.rs', 'system/Patient.rs']);
  });

  it('refuses a resource that is not registered', async () => {
    const config = await discover();
    await expect(oidc.clientCredentialsGrant(config, { resource: 'https://evil.example/api' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('keeps client secrets only as keyed hashes', async () => {
    const rows = await running.db.query<{ secret_hash: string; metadata: Record<string, unknown> }>(
      'SELECT secret_hash, metadata FROM clients WHERE client_id = $1',
      [clientId],
    );
    expect(rows[0]!.secret_hash).toMatch(/^hmac-sha256\$/);
    expect(JSON.stringify(rows[0])).not.toContain(clientSecret);
  });
});
