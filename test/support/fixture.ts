import { randomBytes } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import * as oidc from 'openid-client';
import { afterAll, beforeAll } from 'vitest';
import { ADMIN_RESOURCE, roleScope, type AdminRole } from '../../src/admin/index.js';
import { ClientsService, type NewClient } from '../../src/clients/index.js';
import type { DomainEvent } from '../../src/events/index.js';
import { IdentityService, type NewUser, type User } from '../../src/identity/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startApp, testKek, type RunningApp } from './in-process-app.js';

/**
 * The one test fixture for "the real application + a fresh PostgreSQL database + admin tokens".
 * `useApp()` inside a describe block starts it in beforeAll and closes it in afterAll;
 * `startFixture()` is the same for a test that starts and stops instances itself.
 */

export const BOOTSTRAP_ID = 'bootstrap-admin';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP call as an API client makes it: JSON in, JSON (or text) out. */
export async function apiCall<T = any>(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** openid-client's discovery of the provider at `baseUrl`, as a relying party on plain HTTP does it. */
export function discover(baseUrl: string, clientId: string, auth: string | oidc.ClientAuth | undefined, metadata?: Partial<oidc.ClientMetadata>) {
  const clientAuth = typeof auth === 'string' ? oidc.ClientSecretBasic(auth) : auth;
  return oidc.discovery(new URL(baseUrl), clientId, metadata, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  /** openid-client's configuration for this client (client_secret_basic when it has a secret). */
  config: oidc.Configuration;
}

export interface FixtureOptions {
  /** Environment on top of DATABASE_URL and KEY_ENCRYPTION_KEY. */
  env?: Record<string, string>;
  /** Start on this database (e.g. a second instance); close() then leaves it to its owner. */
  database?: TestDatabase;
  /**
   * Configure a bootstrap super-admin client (BOOTSTRAP_ADMIN_CLIENT_*): token(['super-admin'])
   * uses it, other role sets are registered through the admin API. Without it, token() registers
   * a machine client in-process per role set.
   */
  bootstrapAdmin?: boolean;
}

export interface AppFixture {
  running: RunningApp;
  app: RunningApp['app'];
  db: TestDatabase;
  url: string;
  /** An access token for the admin API carrying exactly these roles (a machine admin per role set). */
  token(roles: AdminRole[]): Promise<string>;
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<ApiResponse<T>>;
  /** Client credentials through openid-client, as any relying party would do it. */
  clientCredentials(clientId: string, clientSecret: string, params?: Record<string, string>): Promise<oidc.TokenEndpointResponse>;
  /**
   * Registers a client in-process (confidential unless said otherwise) and discovers it with
   * openid-client at `issuer` (this instance's URL unless the app is configured with another ISSUER).
   */
  registerClient(client: Partial<NewClient> & { name: string }, issuer?: string): Promise<RegisteredClient>;
  /** Creates a person in-process. */
  createUser(user: NewUser): Promise<User>;
  close(): Promise<void>;
}

export async function startFixture(opts: FixtureOptions = {}): Promise<AppFixture> {
  const db = opts.database ?? (await createTestDatabase());
  const bootstrapSecret = randomBytes(32).toString('base64url');
  let running: RunningApp;
  try {
    running = await startApp({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: testKek(),
      ...(opts.bootstrapAdmin ? { BOOTSTRAP_ADMIN_CLIENT_ID: BOOTSTRAP_ID, BOOTSTRAP_ADMIN_CLIENT_SECRET: bootstrapSecret } : {}),
      ...opts.env,
    });
  } catch (err) {
    if (!opts.database) await db.drop();
    throw err;
  }
  const url = running.url;
  const tokens = new Map<string, string>();

  const clientCredentials = async (clientId: string, clientSecret: string, params: Record<string, string> = {}) =>
    oidc.clientCredentialsGrant(await discover(url, clientId, clientSecret), params);
  const adminToken = async (clientId: string, secret: string, roles: AdminRole[]) =>
    (await clientCredentials(clientId, secret, { resource: ADMIN_RESOURCE, scope: roles.map(roleScope).join(' ') })).access_token;
  const call: AppFixture['call'] = (method, path, callOpts) => apiCall(url, method, path, callOpts);

  const registerAdmin = async (key: string, roles: AdminRole[]) => {
    const registration = {
      name: `machine admin ${key}`,
      type: 'confidential' as const,
      grantTypes: ['client_credentials' as const],
      resourceScopes: roles.map(roleScope),
    };
    if (!opts.bootstrapAdmin) return running.app.get(ClientsService).createClient(registration);
    const created = await call('POST', '/admin/v1/clients', { token: await token(['super-admin']), body: registration });
    if (created.status !== 201) throw new Error(`could not register an admin client: ${JSON.stringify(created.body)}`);
    return created.body as { clientId: string; clientSecret: string };
  };

  const token = async (roles: AdminRole[]): Promise<string> => {
    const key = [...roles].sort().join(' ');
    const cached = tokens.get(key);
    if (cached) return cached;
    let value: string;
    if (key === 'super-admin' && opts.bootstrapAdmin) {
      value = await adminToken(BOOTSTRAP_ID, bootstrapSecret, ['super-admin']);
    } else {
      const created = await registerAdmin(key, roles);
      value = await adminToken(created.clientId, created.clientSecret!, roles);
    }
    tokens.set(key, value);
    return value;
  };

  return {
    running,
    app: running.app,
    db,
    url,
    token,
    call,
    clientCredentials,
    async registerClient(client, issuer = url) {
      const created = await running.app.get(ClientsService).createClient({ type: 'confidential', ...client } as NewClient);
      const config = await discover(issuer, created.clientId, created.clientSecret ?? oidc.None());
      return { clientId: created.clientId, clientSecret: created.clientSecret, config };
    },
    createUser: (user) => running.app.get(IdentityService).createUser(user),
    async close() {
      await running.close();
      if (!opts.database) await db.drop();
    },
  };
}

/**
 * The fixture for the enclosing describe block: started in beforeAll, closed in afterAll. Its
 * properties may be read from the first beforeAll registered after this call onwards.
 */
export function useApp(opts: FixtureOptions | (() => FixtureOptions | Promise<FixtureOptions>) = {}): AppFixture {
  return useStarted('the app fixture', async () => startFixture(typeof opts === 'function' ? await opts() : opts), (fixture) => fixture.close());
}

/** A fresh database for the enclosing describe block (created in beforeAll, dropped in afterAll). */
export function useDatabase(): TestDatabase {
  return useStarted('the test database', createTestDatabase, (db) => db.drop());
}

/**
 * Anything the enclosing describe block starts in beforeAll and stops in afterAll (a browser, a
 * callback server): read through the returned stand-in from the next hook on. Stopped in reverse
 * order of starting, as vitest runs afterAll hooks.
 */
export function useStarted<T extends object>(what: string, start: () => Promise<T>, stop: (value: T) => Promise<unknown>): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    if (value) await stop(value);
  });
  return startedLater(what, () => value);
}

/**
 * The domain events (as audit sees them) that `keep` accepts, from the enclosing describe
 * block's beforeAll on; the array is filled as the app emits them.
 */
export function useEvents(fixture: Pick<AppFixture, 'app'>, keep: (event: DomainEvent) => boolean = () => true): DomainEvent[] {
  const seen: DomainEvent[] = [];
  beforeAll(() => {
    recordEvents(fixture, keep, seen);
  });
  return seen;
}

/** Every domain event on the app's bus from now on (those `keep` accepts), for assertions. */
export function recordEvents(target: Pick<AppFixture, 'app'>, keep: (event: DomainEvent) => boolean = () => true, seen: DomainEvent[] = []): DomainEvent[] {
  target.app.get(EventEmitter2).onAny((_name: string | string[], event: unknown) => {
    if (event && typeof event === 'object' && 'name' in event && keep(event as DomainEvent)) seen.push(event as DomainEvent);
  });
  return seen;
}

/** Stands for what a beforeAll will set: each property is read from it when used (in a hook or test). */
function startedLater<T extends object>(what: string, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (!value) throw new Error(`${what} is not started yet (read it in a hook or test, not at collection)`);
    return value;
  };
  return new Proxy({} as T, {
    // Not a promise: `await` on it, or a check for one, must not need it started.
    get: (_, property) => {
      if (property === 'then') return undefined;
      const value = target();
      const found = Reflect.get(value, property);
      // A method runs on the started object itself (some keep private state a stand-in lacks).
      return typeof found === 'function' ? found.bind(value) : found;
    },
    set: (_, property, value) => Reflect.set(target(), property, value),
    has: (_, property) => Reflect.has(target(), property),
  });
}
