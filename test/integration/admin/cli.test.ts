import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-runner.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

/**
 * `npm run cli` on a server whose API is not reachable: the operator sees the state of the
 * installation and creates the first admin client, whose credentials then work on the API.
 * The CLI reads the service's own environment, so this file sets it (each test file runs in
 * its own process).
 */
describe('the admin CLI', () => {
  let db: TestDatabase;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KEY_ENCRYPTION_KEY = testKek();
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('status on an empty database reports pending migrations and fails', async () => {
    const { code, out, err } = await cli('status');
    expect(code).toBe(1);
    expect(out).toContain('database: reachable (PostgreSQL at DATABASE_URL)');
    expect(out).toMatch(/migrations: 0 of \d+ applied; pending: Initial1764331200000/);
    expect(err).toContain('migrations are pending');
  });

  it('status reports an unreachable database without printing its URL', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://caduceus:hunter2@127.0.0.1:1/nowhere';
    try {
      const { code, out, err } = await cli('status');
      expect(code).toBe(1);
      expect(err).toMatch(/^database: unreachable/);
      expect(out + err).not.toContain('hunter2');
    } finally {
      process.env.DATABASE_URL = saved;
    }
  });

  it('refuses a missing or unknown role', async () => {
    expect((await cli('create-admin-client')).err).toContain('--role is required');
    const unknown = await cli('create-admin-client', '--role', 'root');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown role: root');
    expect((await cli('frobnicate')).code).toBe(1);
  });

  it('creates an admin client whose secret is printed once and works on the admin API', async () => {
    const created = await cli('create-admin-client', '--role', 'client-admin', '--role', 'auditor', '--name', 'Provisioning', '--json');
    expect(created.code).toBe(0);
    const { clientId, clientSecret, roles } = JSON.parse(created.out) as { clientId: string; clientSecret: string; roles: string[] };
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(roles).toEqual(['client-admin', 'auditor']);

    const human = await cli('create-admin-client', '--role', 'super-admin', '--client-id', 'break-glass');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^client_id: {5}break-glass\nclient_secret: [A-Za-z0-9_-]{43}\n/);
    expect(human.out).toContain('not shown again');

    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/migrations: (\d+) of \1 applied/);
    expect(status.out).toMatch(/signing key: \S+ \(ES256\) active/);
    expect(status.out).toContain('key-encryption key: KEY_ENCRYPTION_KEY');
    expect(status.out).toMatch(/clients: 2\b/);

    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek() });
    const config = await oidc.discovery(new URL(running.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    const { access_token } = await oidc.clientCredentialsGrant(config, {
      resource: 'urn:caduceus:admin',
      scope: 'admin:client-admin admin:auditor',
    });
    const whoami = await fetch(`${running.url}/admin/v1/whoami`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(await whoami.json()).toMatchObject({ kind: 'client', clientId, roles: ['client-admin', 'auditor'] });
    const clients = await fetch(`${running.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(clients.status).toBe(200);
  });

  it('refuses the client ids reserved for the built-in clients, whatever their case', async () => {
    for (const id of ['caduceus-account', 'caduceus-admin-console', 'Caduceus-Console2']) {
      const res = await cli('create-admin-client', '--role', 'auditor', '--client-id', id);
      expect(res.code, id).toBe(1);
      expect(res.err).toContain('clientId');
      expect(res.err).toContain('reserved');
    }
    expect(await db.query(`SELECT client_id FROM clients WHERE lower(client_id) LIKE 'caduceus-%'`)).toEqual([]);
  });
});
