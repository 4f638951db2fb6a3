import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClientsService } from '../../../src/clients/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { FHIR, recordEvents, scopeSet } from './consent-harness.js';

/**
 * `/.well-known/smart-configuration` as SMART App Launch 2.2 (conformance, "Metadata") defines
 * it: REQUIRED authorization_endpoint, token_endpoint, grant_types_supported, capabilities,
 * code_challenge_methods_supported (S256, never plain); issuer and jwks_uri REQUIRED with
 * sso-openid-connect; RECOMMENDED scopes_supported, response_types_supported,
 * management_endpoint, introspection_endpoint, revocation_endpoint.
 */
const KNOWN_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'smart-app-state',
] as const;
const url = z.url({ protocol: /^https?$/ });
const smartConfigurationSpec = z
  .object({
    issuer: url.optional(),
    jwks_uri: url.optional(),
    authorization_endpoint: url,
    grant_types_supported: z.array(z.enum(['authorization_code', 'client_credentials'])).min(1),
    token_endpoint: url,
    token_endpoint_auth_methods_supported: z.array(z.enum(['client_secret_post', 'client_secret_basic', 'private_key_jwt'])).optional(),
    registration_endpoint: url.optional(),
    scopes_supported: z.array(z.string()).min(1),
    response_types_supported: z.array(z.string()).min(1),
    management_endpoint: url,
    introspection_endpoint: url,
    revocation_endpoint: url,
    capabilities: z.array(z.enum(KNOWN_CAPABILITIES)).min(1),
    code_challenge_methods_supported: z.array(z.string()).refine((m) => m.includes('S256') && !m.includes('plain'), 'S256 and never plain'),
  })
  .refine((c) => !c.capabilities.includes('sso-openid-connect') || (c.issuer && c.jwks_uri), 'issuer and jwks_uri with sso-openid-connect')
  .refine((c) => !c.capabilities.some((x) => x.startsWith('launch-')) || c.authorization_endpoint, 'authorization_endpoint with a launch');

describe('SMART discovery and backend services', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let events: DomainEvent[];

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), FHIR_BASE_URLS: FHIR });
    events = recordEvents(running);
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('publishes a smart-configuration that satisfies the specification and matches the OpenID discovery', async () => {
    const res = await fetch(new URL('/.well-known/smart-configuration', running.url), { headers: { origin: 'https://app.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const smart = smartConfigurationSpec.parse(await res.json());

    const discovery = (await (await fetch(new URL('/.well-known/openid-configuration', running.url))).json()) as Record<string, string[] | string>;
    expect(smart.issuer).toBe(discovery.issuer);
    expect(smart.jwks_uri).toBe(discovery.jwks_uri);
    expect(smart.authorization_endpoint).toBe(discovery.authorization_endpoint);
    expect(smart.token_endpoint).toBe(discovery.token_endpoint);
    expect(smart.introspection_endpoint).toBe(discovery.introspection_endpoint);
    expect(smart.revocation_endpoint).toBe(discovery.revocation_endpoint);
    expect(discovery.code_challenge_methods_supported).toEqual(smart.code_challenge_methods_supported);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(smart.grant_types_supported));
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(smart.token_endpoint_auth_methods_supported!));
    const smartAlgs = ((await (await fetch(new URL('/.well-known/smart-configuration', running.url))).json()) as Record<string, string[]>).token_endpoint_auth_signing_alg_values_supported;
    expect(new Set(smartAlgs)).toEqual(new Set(discovery.token_endpoint_auth_signing_alg_values_supported));
    expect(smartAlgs).toEqual(expect.arrayContaining(['ES384', 'RS384']));
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'offline_access', 'online_access']));

    // Only what is actually offered: no EHR launch, no POST authorization.
    expect(smart.capabilities).toEqual(expect.arrayContaining(['launch-standalone', 'context-standalone-patient', 'permission-v2', 'sso-openid-connect']));
    expect(smart.capabilities.filter((c) => ['launch-ehr', 'context-ehr-patient', 'context-ehr-encounter', 'authorize-post'].includes(c))).toEqual([]);

    // The advertised endpoints exist: the management endpoint sends a stranger to sign in.
    const manage = await fetch(smart.management_endpoint, { redirect: 'manual' });
    expect(manage.status).toBe(303);
    expect(new URL(manage.headers.get('location')!).pathname).toBe('/authorize');
  });

  it('issues a backend service (private_key_jwt, client_credentials) system scopes narrowed to its ceiling, for the FHIR server', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384');
    const jwk = { ...(await exportJWK(publicKey)), kty: 'EC', kid: 'bulk-export-1', alg: 'ES384', use: 'sig' };
    const created = await running.app.get(ClientsService).createClient({
      name: 'Bulk exporter',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
      resourceScopes: ['system/Observation.rs', 'system/Patient.rs'],
    });
    const config = await oidc.discovery(new URL(running.url), created.clientId, { token_endpoint_auth_signing_alg: 'ES384' }, oidc.PrivateKeyJwt({ key: privateKey, kid: 'bulk-export-1' }), {
      execute: [oidc.allowInsecureRequests],
    });

    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cruds' });
    expect(scopeSet(tokens.scope)).toEqual(scopeSet('system/Observation.rs system/Patient.rs'));
    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, aud: FHIR, client_id: created.clientId, scope: tokens.scope });
    expect(events.filter((e) => e.name === 'scopes.narrowed').at(-1)?.payload).toMatchObject({
      clientId: created.clientId,
      endpoint: 'token',
      removed: ['system/*.cruds'],
    });

    await expect(oidc.clientCredentialsGrant(config, { scope: 'system/Observation.rsx' })).rejects.toMatchObject({ error: 'invalid_scope' });
    const none = await oidc.clientCredentialsGrant(config, { scope: 'system/Condition.rs' });
    expect(none.scope ?? '').toBe('');
  });

  it('has no smart-configuration when no FHIR server is configured', async () => {
    const other = await createTestDatabase();
    const bare = await startApp({ DATABASE_URL: other.url, KEY_ENCRYPTION_KEY: testKek() });
    try {
      expect((await fetch(new URL('/.well-known/smart-configuration', bare.url))).status).toBe(404);
    } finally {
      await bare.close();
      await other.drop();
    }
  });
});
