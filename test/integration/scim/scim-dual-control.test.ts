import { beforeAll, describe, expect, it } from 'vitest';
import { useAdminApi, turnOnDualControl } from '../admin/admin-api.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * Dual control (#17 item 5) and SCIM: a provisioning client cannot wait for an approval, so it
 * is refused (a SCIM 403) whenever it would grant a high-risk role, as a user's role or through
 * group membership; nothing is written and nothing is left pending.
 */
describe('/scim/v2 under dual control', () => {
  const api = useAdminApi();
  let root: string;
  let scimToken: string;

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    scimToken = await api.token(['provisioning']);
    await turnOnDualControl(api, root);
  });

  const scim = (method: string, path: string, body?: unknown) =>
    api.call(method, `/scim/v2${path}`, { token: scimToken, body, headers: { 'content-type': 'application/scim+json' } });
  const pending = async () => (await api.call('GET', '/admin/v1/approvals?status=pending', { token: root })).body.items;

  it('refuses a user with the break-glass role or key-admin', async () => {
    for (const role of ['breakglass', 'key-admin']) {
      const res = await scim('POST', '/Users', { schemas: [USER], userName: `${role}@example.com`, roles: [{ value: role }] });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ schemas: [ERROR], status: '403' });
      expect(res.body.detail).toContain(`protected role (${role})`);
    }
    expect(await pending()).toEqual([]);
  });

  it('refuses adding a member to a group that carries super-admin', async () => {
    const group = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'admins', roles: ['super-admin'] } });
    expect(group.status).toBe(201);
    const nurse = await scim('POST', '/Users', { schemas: [USER], userName: 'nurse@example.com' });
    expect(nurse.status).toBe(201);
    const add = await scim('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: nurse.body.id }] }] });
    expect(add.status).toBe(403);
    expect(add.body).toMatchObject({ schemas: [ERROR], status: '403' });
    expect(add.body.detail).toContain('super-admin');
    expect((await api.call('GET', `/admin/v1/groups/${group.body.id}`, { token: root })).body.members).toEqual([]);
    expect(await pending()).toEqual([]);
  });
});
