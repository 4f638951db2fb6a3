import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';

const CLIENT_ID = 'bootstrap-admin';
// Characters that client_secret_basic must form-encode: the relying party library has to get this right.
const CLIENT_SECRET = `${randomBytes(24).toString('base64')}+/=%:`;

async function discover(service: ServiceProcess): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(service.url), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
}

/**
 * The service exactly as an operator starts it, configured only by the environment, and
 * openid-client as the relying party: discovery, client credentials, introspection, revocation,
 * then a restart that must lose nothing.
 */
describe.each([
  { mode: 'PostgreSQL', embedded: false },
  { mode: 'embedded PGlite (no DATABASE_URL)', embedded: true },
])('the service on $mode', ({ embedded }) => {
  let db: TestDatabase | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  let service: ServiceProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'caduceus-e2e-'));
    env = { BOOTSTRAP_ADMIN_CLIENT_ID: CLIENT_ID, BOOTSTRAP_ADMIN_CLIENT_SECRET: CLIENT_SECRET, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    if (!embedded) {
      db = await createTestDatabase();
      env = { ...env, DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    }
    service = await startService(env);
  });

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes discovery with the protocol defaults a hospital expects', async () => {
    const config = await discover(service);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(service.url);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).not.toContain('implicit');
    expect(meta.grant_types_supported).not.toContain('password');
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(meta.introspection_endpoint).toBe(`${service.url}/introspect`);
    expect(meta.revocation_endpoint).toBe(`${service.url}/revoke`);
    expect(meta.pushed_authorization_request_endpoint).toBe(`${service.url}/par`);
    expect(meta.end_session_endpoint).toBe(`${service.url}/session/end`);
    expect(meta.userinfo_endpoint).toBe(`${service.url}/userinfo`);
    expect(meta.authorization_endpoint).toBe(`${service.url}/authorize`);
  });

  it('issues a client-credentials token that introspects active, and inactive once revoked', async () => {
    const config = await discover(service);
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.expires_in).toBeLessThanOrEqual(600);

    const before = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(before.active).toBe(true);
    expect(before.client_id).toBe(CLIENT_ID);
    expect(before.iss).toBe(service.url);

    await oidc.tokenRevocation(config, tokens.access_token);
    const after = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(after.active).toBe(false);
  });

  it('refuses a wrong client secret', async () => {
    const wrong = await oidc.discovery(new URL(service.url), CLIENT_ID, undefined, oidc.ClientSecretBasic('not-the-secret'), {
      execute: [oidc.allowInsecureRequests],
    });
    const failure = await oidc.clientCredentialsGrant(wrong).then(
      () => undefined,
      (err: { status?: number; response?: Response }) => err,
    );
    expect(failure?.status).toBe(401);
    expect(await failure?.response?.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('loses nothing across a restart: same signing key, same client, unexpired tokens still active', async () => {
    const config = await discover(service);
    const { access_token } = await oidc.clientCredentialsGrant(config);
    const jwksBefore = await (await fetch(`${service.url}/jwks`)).json();

    expect(await service.stop('SIGTERM')).toBe(0);
    service = await startService(env, service.port);

    const jwksAfter = await (await fetch(`${service.url}/jwks`)).json();
    expect(jwksAfter).toEqual(jwksBefore);
    const again = await discover(service);
    expect((await oidc.tokenIntrospection(again, access_token)).active).toBe(true);
    expect((await oidc.clientCredentialsGrant(again)).access_token).toBeTruthy();
  });

  it('never writes the client secret or an issued token to its logs', async () => {
    const config = await discover(service);
    const { access_token } = await oidc.clientCredentialsGrant(config);
    await oidc.tokenIntrospection(config, access_token);
    await fetch(`${service.url}/session/end?id_token_hint=${access_token}`);
    const logs = service.output();
    expect(logs).not.toContain(CLIENT_SECRET);
    expect(logs).not.toContain(access_token);
  });
});
