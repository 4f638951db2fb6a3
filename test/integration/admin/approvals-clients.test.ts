import { beforeAll, describe, expect, it } from 'vitest';
import { secondSuperAdmin, turnOnDualControl, useAdminApi } from './admin-api.js';

/**
 * Dual control (#17 item 5) for clients: registering or changing a client so that it carries
 * admin:super-admin or admin:key-admin grants that role to a machine, and a client registered
 * with mfaPolicy optional where the deployment requires MFA weakens MFA: both wait for a second
 * super-admin.
 */
describe('dual control: clients', () => {
  const api = useAdminApi();
  let root: string;
  let second: string;
  let secondId: string;

  beforeAll(async () => {
    root = await api.token(['super-admin']);
    ({ clientId: secondId, token: second } = await secondSuperAdmin(api, root));
    await turnOnDualControl(api, root);
  });

  const names = async () => ((await api.call('GET', '/admin/v1/clients?limit=200', { token: root })).body.items as Array<{ name: string }>).map((c) => c.name);
  const machine = (name: string, resourceScopes: string[]) => ({ name, type: 'confidential', grantTypes: ['client_credentials'], resourceScopes });

  it('holds registering a client with admin:super-admin or admin:key-admin; approving registers it', async () => {
    const res = await api.call('POST', '/admin/v1/clients', { token: root, body: machine('held custodian', ['admin:auditor', 'admin:key-admin']) });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/admin/v1/approvals/${res.body.id}`);
    expect(res.body).toMatchObject({ kind: 'clients.create', status: 'pending', details: { name: 'held custodian', granted: ['admin:key-admin'] } });
    expect(JSON.stringify(res.body)).not.toMatch(/clientSecret/);
    expect(await names()).not.toContain('held custodian');

    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: root })).status).toBe(403);
    const approved = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second });
    expect(approved.status).toBe(200);
    expect(approved.body.result).toMatchObject({ name: 'held custodian', resourceScopes: ['admin:auditor', 'admin:key-admin'] });
    expect(approved.body.result.clientSecret).toEqual(expect.any(String));
    expect(await names()).toContain('held custodian');

    const sa = await api.call('POST', '/admin/v1/clients', { token: root, body: machine('held root', ['admin:super-admin']) });
    expect(sa.status).toBe(202);
    expect(sa.body.details.granted).toEqual(['admin:super-admin']);
    expect((await api.call('POST', '/admin/v1/clients', { token: root, body: machine('plain auditor', ['admin:auditor']) })).status).toBe(201);
  });

  it('holds adding admin:super-admin to a client by PATCH', async () => {
    const plain = await api.call('POST', '/admin/v1/clients', { token: root, body: machine('climber', ['admin:auditor']) });
    expect(plain.status).toBe(201);
    const patch = await api.call('PATCH', `/admin/v1/clients/${plain.body.clientId}`, {
      token: root,
      body: { resourceScopes: ['admin:auditor', 'admin:super-admin'] },
      headers: { 'if-match': plain.headers.get('etag')! },
    });
    expect(patch.status).toBe(202);
    expect(patch.body).toMatchObject({ kind: 'clients.update', details: { clientId: plain.body.clientId, granted: ['admin:super-admin'] } });
    expect((await api.call('GET', `/admin/v1/clients/${plain.body.clientId}`, { token: root })).body.resourceScopes).toEqual(['admin:auditor']);
    const done = await api.call('POST', `/admin/v1/approvals/${patch.body.id}/approve`, { token: second });
    expect(done.status).toBe(200);
    expect(done.body.result.resourceScopes).toEqual(['admin:auditor', 'admin:super-admin']);
    expect(done.body.approval.decidedBy).toEqual({ type: 'client', id: secondId });
  });

  it('holds registering a client with mfaPolicy optional while the deployment requires MFA', async () => {
    const app = { type: 'confidential', grantTypes: ['authorization_code'], redirectUris: ['https://kiosk.test/cb'] };
    const res = await api.call('POST', '/admin/v1/clients', { token: root, body: { ...app, name: 'kiosk', mfaPolicy: 'optional' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'clients.create', details: { name: 'kiosk', mfaPolicy: 'optional' } });
    expect(await names()).not.toContain('kiosk');
    expect((await api.call('POST', '/admin/v1/clients', { token: root, body: { ...app, name: 'ward' } })).status).toBe(201);
  });
});
