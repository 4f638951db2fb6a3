import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_RESOURCE, roleScope } from '../../../src/admin/index.js';
import { useAdminApi } from '../../integration/admin/admin-api.js';

/**
 * A machine admin's authority is read from its registration on every request: taking an admin
 * scope away, or disabling the client, ends the power of the token it already holds at once,
 * not when that token expires (README "Admin API").
 */
describe('a machine admin whose access is taken away', () => {
  const api = useAdminApi();
  let root: string;

  beforeAll(async () => {
    root = await api.token(['super-admin']);
  });

  const registerUserAdmin = async () => {
    const created = await api.call('POST', '/admin/v1/clients', {
      token: root,
      body: { name: `directory sync ${Math.random()}`, type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: [roleScope('user-admin')] },
    });
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = created.body;
    const token = (await api.clientCredentials(clientId, clientSecret, { resource: ADMIN_RESOURCE, scope: roleScope('user-admin') })).access_token;
    return { clientId: clientId as string, token };
  };
  const etagOf = async (clientId: string) => (await api.call('GET', `/admin/v1/clients/${clientId}`, { token: root })).headers.get('etag')!;

  it('loses user-admin at the next request once the scope is removed from its registration', async () => {
    const bot = await registerUserAdmin();
    expect((await api.call('GET', '/admin/v1/users', { token: bot.token })).status).toBe(200);

    const patched = await api.call('PATCH', `/admin/v1/clients/${bot.clientId}`, {
      token: root,
      headers: { 'if-match': await etagOf(bot.clientId) },
      body: { resourceScopes: [] },
    });
    expect(patched.status).toBe(200);

    expect((await api.call('GET', '/admin/v1/users', { token: bot.token })).status).toBe(403);
    expect((await api.call('GET', '/admin/v1/whoami', { token: bot.token })).status).toBe(403);
  });

  it('loses every access at the next request once the client is disabled', async () => {
    const bot = await registerUserAdmin();
    expect((await api.call('GET', '/admin/v1/users', { token: bot.token })).status).toBe(200);
    const disabled = await api.call('POST', `/admin/v1/clients/${bot.clientId}/disable`, { token: root });
    expect(disabled.status).toBe(200);
    expect((await api.call('GET', '/admin/v1/users', { token: bot.token })).status).toBe(401);
  });
});
