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
