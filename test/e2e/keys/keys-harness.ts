import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { ADMIN_RESOURCE, roleScope, type AdminRole } from '../../../src/admin/index.js';
import { ClientsService } from '../../../src/clients/index.js';
import { KEYS_CLOCK, type Clock } from '../../../src/keys/clock.js';
import { KeyLifecycleService } from '../../../src/keys/key-lifecycle.service.js';
import { KeystoreWatcher } from '../../../src/keys/keystore-watcher.js';
import type { TestDatabase } from '../../support/database.js';
import { apiCall, discover, useApp, type ApiResponse, type AppFixture, type CallOptions } from '../../support/fixture.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';

export const DAY = 86_400_000;

/** One running instance plus what the key tests drive on it: its clock, its jobs, admin tokens. */
export interface KeysInstance {
  running: RunningApp;
  url: string;
  /** Sets this instance's key clock (rotation decisions only; tokens keep real time). */
  setNow(at: Date): void;
  now(): Date;
  /** What the scheduled job does every minute, run now. */
  runRotationJob(): Promise<Array<{ type: string }>>;
  /** What the watcher does every few seconds, run now. */
  pollKeystore(): Promise<void>;
  jwks(): Promise<{ status: number; headers: Headers; body: JSONWebKeySet }>;
  close(): Promise<void>;
}

/** The key-test view of one running instance (the shared app fixture underneath). */
export function keysInstance(fixture: Pick<AppFixture, 'running' | 'url' | 'app' | 'close'>): KeysInstance {
  const clock = () => fixture.app.get<Clock>(KEYS_CLOCK);
  return {
    get running() {
      return fixture.running;
    },
    get url() {
      return fixture.url;
    },
    // Frozen at `at`: a decision made "one second before" stays one second before, however slow the machine.
    setNow: (at) => (clock().now = () => new Date(at)),
    now: () => clock().now(),
    runRotationJob: () => fixture.app.get(KeyLifecycleService).runScheduledRotation(),
    pollKeystore: () => fixture.app.get(KeystoreWatcher).poll(),
    async jwks() {
      const res = await fetch(`${fixture.url}/jwks`);
      return { status: res.status, headers: res.headers, body: (await res.json()) as JSONWebKeySet };
    },
    close: () => fixture.close(),
  };
}

export async function startKeysInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<KeysInstance> {
  const running = await startApp({ DATABASE_URL: databaseUrl, KEY_ENCRYPTION_KEY: testKek(), ...env });
  return keysInstance({ running, url: running.url, app: running.app, close: () => running.close() });
}

/** An instance for the enclosing describe block, on `database()` (a fresh one when not given). */
export function useKeysInstance(database?: () => TestDatabase, env: Record<string, string> = {}): KeysInstance & { db: TestDatabase } {
  const fixture = useApp(() => ({ database: database?.(), env }));
  return Object.defineProperty(keysInstance(fixture), 'db', { get: () => fixture.db }) as KeysInstance & { db: TestDatabase };
}

export interface MachineClient {
  clientId: string;
  clientSecret: string;
  config(url: string): Promise<oidc.Configuration>;
  /** A JWT access token (RFC 9068) for the admin API with these roles. */
  adminToken(url: string, roles: AdminRole[]): Promise<string>;
}

/** A confidential client-credentials client allowed every admin scope it is asked for. */
export async function registerMachineClient(instance: KeysInstance, roles: AdminRole[]): Promise<MachineClient> {
  const created = await instance.running.app.get(ClientsService).createClient({
    name: `keys test ${roles.join(' ')} ${randomBytes(3).toString('hex')}`,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    resourceScopes: roles.map(roleScope),
  });
  const clientId = created.clientId;
  const clientSecret = created.clientSecret!;
  const config = (url: string) => discover(url, clientId, clientSecret);
  return {
    clientId,
    clientSecret,
    config,
    async adminToken(url, wanted) {
      const tokens = await oidc.clientCredentialsGrant(await config(url), { resource: ADMIN_RESOURCE, scope: wanted.map(roleScope).join(' ') });
      return tokens.access_token;
    },
  };
}

export async function adminCall<T = any>(url: string, method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  return apiCall<T>(url, method, path, opts);
}

export const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;

/** Verifies a JWT the way a relying party does: against the JWKS it just fetched. */
export async function verifiesAgainst(jwks: JSONWebKeySet, jwt: string): Promise<boolean> {
  try {
    await jwtVerify(jwt, createLocalJWKSet(jwks));
    return true;
  } catch {
    return false;
  }
}
