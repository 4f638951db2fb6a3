import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROLES } from '../../../src/admin/index.js';
import { startAdminApi, type AdminApi } from './admin-api.js';

type Operation = {
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: { type?: string } }>;
  requestBody?: { content?: Record<string, { schema?: object }> };
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
  'x-required-roles'?: string[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Walks the published OpenAPI document, so every admin route any module adds is covered
 * without touching this test: each must refuse an anonymous caller, and each must say which
 * roles it needs and what it takes and returns.
 */
describe('the admin OpenAPI document', () => {
  let api: AdminApi;
  let operations: Array<{ method: string; path: string; op: Operation }>;

  beforeAll(async () => {
    api = await startAdminApi();
    const doc = await api.call('GET', '/admin/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1\./);
    operations = Object.entries<Record<string, Operation>>(doc.body.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lists the admin routes, the clients resource among them', () => {
    const listed = operations.map((o) => `${o.method} ${o.path}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /admin/v1/clients',
        'GET /admin/v1/clients',
        'GET /admin/v1/clients/{clientId}',
        'PATCH /admin/v1/clients/{clientId}',
        'POST /admin/v1/clients/{clientId}/secret',
        'POST /admin/v1/clients/{clientId}/disable',
        'POST /admin/v1/clients/{clientId}/enable',
        'DELETE /admin/v1/clients/{clientId}',
        'GET /admin/v1/whoami',
        'GET /admin/v1/approvals',
        'GET /admin/v1/approvals/{id}',
        'POST /admin/v1/approvals/{id}/approve',
        'POST /admin/v1/approvals/{id}/reject',
        'GET /admin/v1/webhooks/{id}',
        'PATCH /admin/v1/webhooks/{id}',
        'POST /admin/v1/webhooks/{id}/secret',
      ]),
    );
    expect(listed.every((l) => l.includes(' /admin/'))).toBe(true);
  });

  it('answers 401 (problem+json, WWW-Authenticate) to every listed route called without a token', async () => {
    const unguarded: string[] = [];
    for (const { method, path, op } of operations) {
      // Any well-formed value will do for path parameters: authentication comes before everything.
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const type = op.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema?.type;
        return type === 'integer' || type === 'number' ? '1' : 'probe';
      });
      const hasBody = Boolean(op.requestBody);
      const res = await api.call(method, url, { body: hasBody ? {} : undefined });
      if (res.status !== 401 || !String(res.headers.get('content-type')).startsWith('application/problem+json') || !res.headers.get('www-authenticate')) {
        unguarded.push(`${method} ${path} -> ${res.status}`);
      }
    }
    expect(unguarded).toEqual([]);
    expect(operations.length).toBeGreaterThan(8);
  });

  it('names the roles of every route, super-admin always among them', () => {
    for (const { method, path, op } of operations) {
      const roles = op['x-required-roles'];
      expect(roles, `${method} ${path}`).toBeDefined();
      expect(roles).toContain('super-admin');
      for (const role of roles!) expect(ADMIN_ROLES).toContain(role);
    }
  });

  it('documents the 202 pending change of every route dual control holds', () => {
    const held = [
      'POST /admin/v1/keys/import',
      'POST /admin/v1/keys/{kid}/revoke',
      'POST /admin/v1/keys/kek/rotate',
      'POST /admin/v1/users',
      'PATCH /admin/v1/users/{id}',
      'PATCH /admin/v1/policies',
      'POST /admin/v1/clients',
      'PATCH /admin/v1/clients/{clientId}',
      'POST /admin/v1/groups',
      'PUT /admin/v1/groups/{id}',
      'POST /admin/v1/groups/{id}/members',
    ];
    for (const label of held) {
      const found = operations.find((o) => `${o.method} ${o.path}` === label);
      expect(found, label).toBeDefined();
      expect(found!.op.responses?.['202']?.content?.['application/json']?.schema, label).toMatchObject({ type: 'object' });
    }
  });

  it('documents the request and response schemas of the clients routes', () => {
    for (const { method, path, op } of operations.filter((o) => o.path.startsWith('/admin/v1/clients'))) {
      const label = `${method} ${path}`;
      if (['POST', 'PATCH'].includes(method) && !/\/(secret|disable|enable)$/.test(path)) {
        expect(op.requestBody?.content?.['application/json']?.schema, label).toMatchObject({ type: 'object' });
      }
      const success = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith('2'));
      expect(success, label).toBeDefined();
      if (success![0] !== '204') expect(success![1].content?.['application/json']?.schema, label).toMatchObject({ type: 'object' });
      expect(op.responses?.['401']?.content?.['application/problem+json'], label).toBeDefined();
    }
  });
});
