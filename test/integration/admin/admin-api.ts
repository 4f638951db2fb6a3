import { expect } from 'vitest';
import { startFixture, useApp, type ApiResponse, type AppFixture } from '../../support/fixture.js';

export { BOOTSTRAP_ID } from '../../support/fixture.js';

export type AdminResponse<T = any> = ApiResponse<T>;

export type AdminApi = AppFixture;

/**
 * The real application with a fresh database and a bootstrap super-admin client; machine
 * admins for other role sets are registered through the admin API itself (the shared fixture).
 */
export async function startAdminApi(env: Record<string, string> = {}): Promise<AdminApi> {
  return startFixture({ env, bootstrapAdmin: true });
}

/** startAdminApi for the enclosing describe block: started in beforeAll, closed in afterAll. */
export function useAdminApi(env: Record<string, string> | (() => Record<string, string>) = {}): AdminApi {
  return useApp(() => ({ env: typeof env === 'function' ? env() : env, bootstrapAdmin: true }));
}

/** A second super-admin (a machine client registered through the API): who approves what `root` asked. */
export async function secondSuperAdmin(api: AdminApi, root: string): Promise<{ clientId: string; token: string }> {
  const created = await api.call('POST', '/admin/v1/clients', {
    token: root,
    body: { name: 'second super-admin', type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: ['admin:super-admin'] },
  });
  expect(created.status).toBe(201);
  const granted = await api.clientCredentials(created.body.clientId, created.body.clientSecret, { resource: 'urn:caduceus:admin', scope: 'admin:super-admin' });
  return { clientId: created.body.clientId, token: granted.access_token };
}

/** Turns the dualControl policy on, as a super-admin does through /admin/v1/policies. */
export async function turnOnDualControl(api: AdminApi, root: string): Promise<void> {
  const policies = await api.call('GET', '/admin/v1/policies', { token: root });
  const on = await api.call('PATCH', '/admin/v1/policies', {
    token: root,
    body: { admin: { dualControl: true } },
    headers: { 'if-match': policies.headers.get('etag')! },
  });
  expect(on.status).toBe(200);
}
