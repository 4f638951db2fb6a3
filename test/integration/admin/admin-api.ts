import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { ADMIN_RESOURCE, roleScope, type AdminRole } from '../../../src/admin/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

export const BOOTSTRAP_ID = 'bootstrap-admin';

export interface AdminResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface AdminApi {
  running: RunningApp;
  db: TestDatabase;
  url: string;
  /** An access token for the admin API carrying exactly these roles (a machine admin per role set). */
  token(roles: AdminRole[]): Promise<string>;
  call<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<AdminResponse<T>>;
  /** Client credentials through openid-client, as any relying party would do it. */
  clientCredentials(clientId: string, clientSecret: string, params?: Record<string, string>): Promise<oidc.TokenEndpointResponse>;
  close(): Promise<void>;
}

/**
 * The real application with a fresh database and a bootstrap super-admin client; machine
 * admins for other role sets are registered through the admin API itself.
 */
export async function startAdminApi(env: Record<string, string> = {}): Promise<AdminApi> {
  const db = await createTestDatabase();
  const bootstrapSecret = randomBytes(32).toString('base64url');
  const running = await startApp({
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEY: testKek(),
    BOOTSTRAP_ADMIN_CLIENT_ID: BOOTSTRAP_ID,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: bootstrapSecret,
    ...env,
  });
  const url = running.url;
  const tokens = new Map<string, string>();

  const clientCredentials = async (clientId: string, clientSecret: string, params: Record<string, string> = {}) => {
    const config = await oidc.discovery(new URL(url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    return oidc.clientCredentialsGrant(config, params);
  };
  const adminToken = async (clientId: string, secret: string, roles: AdminRole[]) =>
    (await clientCredentials(clientId, secret, { resource: ADMIN_RESOURCE, scope: roles.map(roleScope).join(' ') })).access_token;

  const call: AdminApi['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(new URL(path, url), { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as any };
  };

  const token = async (roles: AdminRole[]): Promise<string> => {
    const key = [...roles].sort().join(' ');
    const cached = tokens.get(key);
    if (cached) return cached;
    let value: string;
    if (key === 'super-admin') {
      value = await adminToken(BOOTSTRAP_ID, bootstrapSecret, ['super-admin']);
    } else {
      const created = await call('POST', '/admin/v1/clients', {
        token: await token(['super-admin']),
        body: {
          name: `machine admin ${key}`,
          type: 'confidential',
          grantTypes: ['client_credentials'],
          resourceScopes: roles.map(roleScope),
        },
      });
      if (created.status !== 201) throw new Error(`could not register an admin client: ${JSON.stringify(created.body)}`);
      value = await adminToken(created.body.clientId, created.body.clientSecret, roles);
    }
    tokens.set(key, value);
    return value;
  };

  return {
    running,
    db,
    url,
    token,
    call,
    clientCredentials,
    async close() {
      await running.close();
      await db.drop();
    },
  };
}
