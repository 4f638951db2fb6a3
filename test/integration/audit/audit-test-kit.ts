import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import type { AdminRole } from '../../../src/admin/index.js';
import { ClientsService } from '../../../src/clients/index.js';
import { hashRecord, type AuditRecord } from '../../../src/audit/chain/audit-record.js';
import { tokenRef } from '../../../src/oidc/provider-events.js';
import type { RunningApp } from '../../support/in-process-app.js';

export const BOOTSTRAP_ID = 'audit-bootstrap';
export const BOOTSTRAP_SECRET = randomBytes(32).toString('base64url');
export const ADMIN_RESOURCE = 'urn:caduceus:admin';

export function bootstrapEnv(): Record<string, string> {
  return { BOOTSTRAP_ADMIN_CLIENT_ID: BOOTSTRAP_ID, BOOTSTRAP_ADMIN_CLIENT_SECRET: BOOTSTRAP_SECRET };
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** A confidential machine client whose ceiling is the given admin roles (created in-process). */
export async function createAdminClient(running: RunningApp, roles: AdminRole[]): Promise<ClientCredentials> {
  const created = await running.app.get(ClientsService).createClient({
    name: `audit test ${roles.join(' ')}`,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    resourceScopes: roles.map((r) => `admin:${r}`),
  });
  return { clientId: created.clientId, clientSecret: created.clientSecret! };
}

/** Raw token request (no library), so a test sees exactly what the endpoint answered. */
export async function tokenRequest(baseUrl: string, client: ClientCredentials, params: Record<string, string> = {}): Promise<Response> {
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
  return fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
}

/** An admin API access token for the role, through openid-client as a relying party would get it. */
export async function adminToken(baseUrl: string, client: ClientCredentials, role: AdminRole): Promise<string> {
  const config = await oidc.discovery(new URL(baseUrl), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
    execute: [oidc.allowInsecureRequests],
  });
  const tokens = await oidc.clientCredentialsGrant(config, { resource: ADMIN_RESOURCE, scope: `admin:${role}` });
  return tokens.access_token;
}

export async function adminGet(baseUrl: string, token: string | undefined, path: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

export async function adminPost(baseUrl: string, token: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The tokenRef an audit record carries for a token a client received (opaque: the token is its id). */
export function refOfToken(accessToken: string): string {
  return tokenRef(accessToken.split('.').length === 3 ? String(decodeJwt(accessToken).jti) : accessToken);
}

export interface AuditRow {
  seq: string;
  prev_hash: string;
  hash: string;
  event_type: string;
  details: Record<string, unknown>;
}

/** Recomputes a record's hash the way the service does (for tests that rewrite rows like an attacker would). */
export function rehash(record: AuditRecord): string {
  return hashRecord(record);
}

/**
 * A trigger that makes the audit insert of the named event types fail, as a full disk or a lost
 * connection would: `fail(type)` arms it for that type, `clear()` disarms every type.
 */
export async function injectAuditFaults(db: { query(sql: string, params?: unknown[]): Promise<unknown> }) {
  await db.query(`CREATE TABLE audit_fault (event_type text)`);
  await db.query(`CREATE FUNCTION audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM audit_fault WHERE event_type = NEW.event_type) THEN
        RAISE EXCEPTION 'injected audit write failure';
      END IF;
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER audit_fault BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_fault()`);
  return {
    fail: (eventType: string) => db.query('INSERT INTO audit_fault VALUES ($1)', [eventType]),
    clear: () => db.query('DELETE FROM audit_fault'),
  };
}
