import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-runner.js';
import { IdentityService } from '../../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

/**
 * `npm run cli -- create-admin-user`: the first administrator on a server whose API is not
 * reachable yet. The CLI reads the service's environment, set here (one process per file).
 */
describe('the admin CLI: create-admin-user', () => {
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

  it('refuses a missing email, a missing or unknown role', async () => {
    expect((await cli('create-admin-user', '--role', 'super-admin')).err).toContain('--email is required');
    expect((await cli('create-admin-user', '--email', 'a@hospital.test')).err).toContain('--role is required');
    const unknown = await cli('create-admin-user', '--email', 'a@hospital.test', '--role', 'root');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('unknown role: root');
  });

  it('prints a one-time password setup link that works once on the service', async () => {
    const { code, out } = await cli('create-admin-user', '--email', 'cio@hospital.test', '--role', 'super-admin', '--json');
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { userId: string; passwordSetupLink: string; roles: string[] };
    expect(printed.roles).toEqual(['super-admin']);
    const link = new URL(printed.passwordSetupLink);

    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: process.env.KEY_ENCRYPTION_KEY! });
    const submit = () =>
      fetch(new URL('/account/password-setup', running!.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: link.searchParams.get('token')!, password: 'the chief information officer 1' }),
      });
    expect((await submit()).status).toBe(200);
    expect((await submit()).status).toBe(400);
    const check = await running.app.get(IdentityService).checkPassword('cio@hospital.test', 'the chief information officer 1');
    expect(check.ok).toBe(true);
    expect(check.ok && check.user.roles).toEqual(['super-admin']);
  });

  it('sets a generated password with --generate-password and prints it once', async () => {
    const { code, out } = await cli('create-admin-user', '--email', 'auditor@hospital.test', '--role', 'auditor', '--generate-password', '--json');
    expect(code).toBe(0);
    const printed = JSON.parse(out) as { password: string };
    expect(printed.password.length).toBeGreaterThanOrEqual(32);
    running ??= await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: process.env.KEY_ENCRYPTION_KEY! });
    expect((await running.app.get(IdentityService).checkPassword('auditor@hospital.test', printed.password)).ok).toBe(true);
    const again = await cli('create-admin-user', '--email', 'auditor@hospital.test', '--role', 'auditor');
    expect(again.code).toBe(1);
    expect(again.err).toContain('email is already in use');
  });

  it('lets the operator create a holder of the break-glass role (a protected role, from the one definition)', async () => {
    const { code, out } = await cli('create-admin-user', '--email', 'emergency@hospital.test', '--role', 'breakglass', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(out) as { roles: string[] }).roles).toEqual(['breakglass']);
  });
});
