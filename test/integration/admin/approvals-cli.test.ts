import { beforeAll, describe, expect, it } from 'vitest';
import { testKek } from '../../support/in-process-app.js';
import { turnOnDualControl, useAdminApi } from './admin-api.js';
import { cli } from './cli-runner.js';

/**
 * Dual control (#17 item 5) and the admin CLI: with the dualControl policy on, the operator at
 * the console cannot grant super-admin, key-admin or the break-glass role alone; the CLI refuses
 * and points to the admin API, where a second super-admin approves (as keys:rotate-kek does).
 */
describe('dual control: the admin CLI', () => {
  const api = useAdminApi({ KEY_ENCRYPTION_KEY: testKek() });
  let root: string;

  beforeAll(async () => {
    process.env.DATABASE_URL = api.db.url;
    process.env.KEY_ENCRYPTION_KEY = testKek();
    root = await api.token(['super-admin']);
    await turnOnDualControl(api, root);
  });

  const emails = async () => ((await api.call('GET', '/admin/v1/users', { token: root })).body.items as Array<{ email: string }>).map((u) => u.email);

  it('refuses to create a person with super-admin, key-admin or the break-glass role, and creates nothing', async () => {
    for (const role of ['super-admin', 'key-admin', 'breakglass']) {
      const res = await cli('create-admin-user', '--email', `${role}@hospital.test`, '--role', role);
      expect(res.code).toBe(1);
      expect(res.err).toContain('dual control is on');
      expect(res.err).toContain('POST /admin/v1/users');
    }
    expect(await emails()).toEqual([]);
    const auditor = await cli('create-admin-user', '--email', 'auditor@hospital.test', '--role', 'auditor');
    expect(auditor.code).toBe(0);
  });

  it('refuses to register an admin client with super-admin or key-admin', async () => {
    const before = (await api.call('GET', '/admin/v1/clients', { token: root })).body.items.length;
    for (const role of ['super-admin', 'key-admin']) {
      const res = await cli('create-admin-client', '--role', 'auditor', '--role', role, '--name', `held ${role}`);
      expect(res.code).toBe(1);
      expect(res.err).toContain('dual control is on');
      expect(res.err).toContain('POST /admin/v1/clients');
    }
    expect((await api.call('GET', '/admin/v1/clients', { token: root })).body.items.length).toBe(before);
    expect((await cli('create-admin-client', '--role', 'user-admin')).code).toBe(0);
  });

  it('refuses a group that gives its members a high-risk role; one without members is created', async () => {
    const res = await cli('create-group', '--name', 'custodians', '--role', 'key-admin', '--member', 'auditor@hospital.test');
    expect(res.code).toBe(1);
    expect(res.err).toContain('dual control is on');
    expect(res.err).toContain('POST /admin/v1/groups');
    expect((await api.call('GET', '/admin/v1/groups?q=custodians', { token: root })).body.items).toEqual([]);
    expect((await cli('create-group', '--name', 'custodians', '--role', 'key-admin')).code).toBe(0);
  });
});
