import { EventEmitter2 } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientManagementService, ClientsService } from '../../../src/clients/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import { startAdminApi, type AdminApi } from './admin-api.js';

/**
 * Dual control holds against one super-admin minting or seizing a second approver: under
 * dualControl, rotating the secret of a client with admin scopes, resetting the password or MFA
 * of a person who holds a protected role (directly or through a group), and an identity provider
 * that maps upstream users to a protected role or links accounts all wait for a second
 * super-admin; and an approval counts only from a super-admin who held the role, with the same
 * credentials, since the change was requested.
 */
describe('dual control: credentials of protected-role holders, and who may approve', () => {
  let api: AdminApi;
  let root: string;
  let second: string;
  let secondId: string;
  let third: string;
  let targetId: string;
  let targetSecret: string;
  let operatorId: string;
  let nurseId: string;
  const events: DomainEvent[] = [];
  const named = (name: string) => events.filter((e) => e.name === name);
  const adminClient = async (name: string, scopes: string[]) => {
    const created = await api.call('POST', '/admin/v1/clients', {
      token: root,
      body: { name, type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: scopes },
    });
    expect(created.status).toBe(201);
    return created.body as { clientId: string; clientSecret: string };
  };
  const tokenOf = async (clientId: string, secret: string) =>
    (await api.clientCredentials(clientId, secret, { resource: 'urn:caduceus:admin', scope: 'admin:super-admin' })).access_token;

  beforeAll(async () => {
    api = await startAdminApi();
    api.running.app.get(EventEmitter2).onAny((_name: string | string[], event: DomainEvent) => {
      if (event?.name) events.push(event);
    });
    root = await api.token(['super-admin']);
    const s = await adminClient('second super-admin', ['admin:super-admin']);
    secondId = s.clientId;
    second = await tokenOf(s.clientId, s.clientSecret);
    const t = await adminClient('third super-admin', ['admin:super-admin']);
    third = await tokenOf(t.clientId, t.clientSecret);
    const target = await adminClient('target super-admin', ['admin:super-admin']);
    targetId = target.clientId;
    targetSecret = target.clientSecret;
    // A person who holds super-admin only through a group, and a nurse who holds no protected role.
    const operator = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'night-operator@hospital.test', roles: ['nurse'], invite: true } });
    expect(operator.status).toBe(201);
    operatorId = operator.body.id;
    const group = await api.call('POST', '/admin/v1/groups', { token: root, body: { displayName: 'night operators', roles: ['super-admin'], members: [operatorId] } });
    expect(group.status).toBe(201);
    const nurse = await api.call('POST', '/admin/v1/users', { token: root, body: { email: 'ward-nurse@hospital.test', roles: ['nurse'], invite: true } });
    nurseId = nurse.body.id;
    const policies = await api.call('GET', '/admin/v1/policies', { token: root });
    const on = await api.call('PATCH', '/admin/v1/policies', {
      token: root,
      body: { admin: { dualControl: true } },
      headers: { 'if-match': policies.headers.get('etag')! },
    });
    expect(on.status).toBe(200);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lists and filters people by roles granted through a group, and counts them as super-admins', async () => {
    const listed = await api.call('GET', '/admin/v1/users?role=super-admin', { token: root });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((u: { id: string }) => u.id)).toEqual([operatorId]);
    expect(listed.body.items[0]).toMatchObject({ roles: ['nurse'], effectiveRoles: expect.arrayContaining(['nurse', 'super-admin']) });
    const one = await api.call('GET', `/admin/v1/users/${nurseId}`, { token: root });
    expect(one.body.effectiveRoles).toEqual(['nurse']);
    const report = await api.call('GET', '/admin/v1/compliance/report', { token: root });
    const line = (report.body.lines as Array<{ id: string; evidence: Record<string, unknown> }>).find((l) => l.id === 'dual-control');
    expect(line!.evidence.superAdmins).toBe(1);
  });

  it("holds rotating a super-admin client's secret: the old secret keeps working until a second super-admin approves", async () => {
    const res = await api.call('POST', `/admin/v1/clients/${targetId}/secret`, { token: root });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/admin/v1/approvals/${res.body.id}`);
    expect(res.body).toMatchObject({ kind: 'clients.secret.rotate', status: 'pending', details: { clientId: targetId } });
    expect(JSON.stringify(res.body)).not.toMatch(/clientSecret/);
    expect(await tokenOf(targetId, targetSecret)).toEqual(expect.any(String));
    // Its keys and way of authenticating are credentials too.
    const current = await api.call('GET', `/admin/v1/clients/${targetId}`, { token: root });
    const keys = await api.call('PATCH', `/admin/v1/clients/${targetId}`, {
      token: root,
      body: { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://target.hospital.test/jwks' },
      headers: { 'if-match': current.headers.get('etag')! },
    });
    expect(keys.status).toBe(202);
    expect(keys.body).toMatchObject({ kind: 'clients.update', details: { clientId: targetId, credentials: ['tokenEndpointAuthMethod', 'jwksUri'] } });
    expect((await api.call('GET', `/admin/v1/clients/${targetId}`, { token: root })).body.tokenEndpointAuthMethod).toBe('client_secret_basic');

    const approved = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: second });
    expect(approved.status).toBe(200);
    expect(approved.body.result.clientSecret).toEqual(expect.any(String));
    await expect(tokenOf(targetId, targetSecret)).rejects.toThrow();
    expect(await tokenOf(targetId, approved.body.result.clientSecret)).toEqual(expect.any(String));
  });

  it('holds resetting the password or MFA of a person who holds super-admin through a group; not of a nurse', async () => {
    const etag = (await api.call('GET', `/admin/v1/users/${operatorId}`, { token: root })).headers.get('etag');
    const acts: Array<[string, string, unknown, string]> = [
      ['POST', `/admin/v1/users/${operatorId}/password`, { password: 'a long and unusual passphrase 7' }, 'users.password.reset'],
      ['POST', `/admin/v1/users/${operatorId}/password`, { link: true }, 'users.password.reset'],
      ['DELETE', `/admin/v1/users/${operatorId}/mfa`, undefined, 'mfa.reset'],
      ['POST', `/admin/v1/users/${operatorId}/mfa/enrolment-code`, undefined, 'mfa.enrolment_code.issue'],
    ];
    const held: string[] = [];
    for (const [method, url, body, kind] of acts) {
      const res = await api.call(method, url, { token: root, body });
      expect(res.status, `${method} ${url}`).toBe(202);
      expect(res.body).toMatchObject({ kind, status: 'pending', details: { userId: operatorId } });
      expect(JSON.stringify(res.body)).not.toContain('a long and unusual passphrase 7');
      held.push(res.body.id);
    }
    // Nothing was done: no credential changed, so the user's version is the same.
    expect((await api.call('GET', `/admin/v1/users/${operatorId}`, { token: root })).headers.get('etag')).toBe(etag);
    const approved = await api.call('POST', `/admin/v1/approvals/${held[1]}/approve`, { token: second });
    expect(approved.status).toBe(200);
    expect(approved.body.result.passwordSetupLink).toContain('/account/password-setup');

    const plain = await api.call('POST', `/admin/v1/users/${nurseId}/password`, { token: root, body: { link: true } });
    expect(plain.status).toBe(200);
  });

  it('holds an identity provider that maps upstream users to a protected role or links accounts', async () => {
    const idp = (id: string, extra: Record<string, unknown>) => ({
      id,
      displayName: id,
      issuer: `https://${id}.hospital.test`,
      clientId: 'caduceus',
      clientSecret: 'an upstream client secret',
      ...extra,
    });
    const held = await api.call('POST', '/admin/v1/identity-providers', {
      token: root,
      body: idp('rogue', { roleMapping: { 'it-admins': ['super-admin'] }, trustUpstreamMfa: true, allowLinking: true }),
    });
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ kind: 'identity-providers.create', details: { id: 'rogue', granted: ['super-admin'], allowLinking: true } });
    expect(JSON.stringify(held.body)).not.toContain('an upstream client secret');
    expect((await api.call('GET', '/admin/v1/identity-providers/rogue', { token: root })).status).toBe(404);

    const plain = await api.call('POST', '/admin/v1/identity-providers', { token: root, body: idp('wards', { roleMapping: { nurses: ['nurse'] } }) });
    expect(plain.status).toBe(201);
    const patch = await api.call('PATCH', '/admin/v1/identity-providers/wards', {
      token: root,
      body: { roleMapping: { nurses: ['nurse'], 'it-admins': ['user-admin'] } },
      headers: { 'if-match': plain.headers.get('etag')! },
    });
    expect(patch.status).toBe(202);
    expect(patch.body).toMatchObject({ kind: 'identity-providers.update', details: { id: 'wards', granted: ['user-admin'] } });
    expect((await api.call('GET', '/admin/v1/identity-providers/wards', { token: root })).body.roleMapping).toEqual({ nurses: ['nurse'] });
    const done = await api.call('POST', `/admin/v1/approvals/${patch.body.id}/approve`, { token: third });
    expect(done.status).toBe(200);
    expect(done.body.result.roleMapping).toEqual({ nurses: ['nurse'], 'it-admins': ['user-admin'] });
  });

  it('counts an approval only from a super-admin who held the role, with the same credentials, since the request', async () => {
    const res = await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root });
    expect(res.status).toBe(202);

    // A super-admin that appeared after the request (however it came to be) cannot approve it.
    const late = await api.running.app.get(ClientsService).createClient({
      name: 'late super-admin',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      resourceScopes: ['admin:super-admin'],
    });
    const lateRes = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: await tokenOf(late.clientId, late.clientSecret!) });
    expect(lateRes.status).toBe(403);
    expect(lateRes.body.detail).toContain('did not hold super-admin when this change was requested');
    expect(named('approval.failed').at(-1)!.payload).toMatchObject({ approvalId: res.body.id, error: 'APPROVER_NOT_ELIGIBLE' });

    // One whose credentials changed since the request (a seized account) cannot either.
    const rotated = await api.running.app.get(ClientManagementService).rotateSecret(secondId, { actor: { type: 'system', id: 'test' } });
    const seized = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: await tokenOf(secondId, rotated.clientSecret) });
    expect(seized.status).toBe(403);
    expect(seized.body.detail).toContain('credentials changed since this change was requested');
    expect(named('approval.failed').at(-1)!.payload).toMatchObject({ approvalId: res.body.id, error: 'APPROVER_CREDENTIALS_CHANGED' });
    expect((await api.call('GET', `/admin/v1/approvals/${res.body.id}`, { token: root })).body.status).toBe('pending');

    const approved = await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: third });
    expect(approved.status).toBe(200);
  });

  it('marks a change stuck in executing after a crash failed, audited, and the requester may ask again', async () => {
    const res = await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root });
    expect(res.status).toBe(202);
    // An approver claimed it and the instance died before the act finished.
    await api.db.query(`UPDATE admin_approvals SET status = 'executing', claimed_at = now() - interval '11 minutes' WHERE id = $1`, [res.body.id]);
    const read = await api.call('GET', `/admin/v1/approvals/${res.body.id}`, { token: root });
    expect(read.body.status).toBe('failed');
    expect(named('approval.interrupted').at(-1)!.payload).toMatchObject({ approvalId: res.body.id, kind: 'keys.kek.rotate' });
    expect((await api.call('POST', `/admin/v1/approvals/${res.body.id}/approve`, { token: third })).status).toBe(409);
    const failed = await api.call('GET', '/admin/v1/approvals?status=failed', { token: root });
    expect(failed.body.items.map((a: { id: string }) => a.id)).toContain(res.body.id);
    expect((await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root })).status).toBe(202);

    // One claimed moments ago is being carried out: left alone.
    const fresh = await api.call('POST', '/admin/v1/keys/kek/rotate', { token: root });
    await api.db.query(`UPDATE admin_approvals SET status = 'executing', claimed_at = now() WHERE id = $1`, [fresh.body.id]);
    expect((await api.call('GET', `/admin/v1/approvals/${fresh.body.id}`, { token: root })).body.status).toBe('executing');
  });

  it('documents the 202 pending change on each newly held route in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/admin/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const held: Array<[string, string]> = [
      ['/admin/v1/clients/{clientId}/secret', 'post'],
      ['/admin/v1/users/{id}/password', 'post'],
      ['/admin/v1/users/{id}/mfa', 'delete'],
      ['/admin/v1/users/{id}/mfa/enrolment-code', 'post'],
      ['/admin/v1/identity-providers', 'post'],
      ['/admin/v1/identity-providers/{id}', 'patch'],
    ];
    for (const [path, method] of held) expect(doc.paths[path]?.[method]?.responses['202'], `${method} ${path}`).toBeDefined();
  });
});
