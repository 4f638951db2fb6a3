import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../support/fixture.js';
import { HttpBrowser } from '../../support/http-browser.js';
import { freePort } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { signIn } from '../../support/sign-in-flow.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv } from '../../integration/audit/audit-test-kit.js';

const SIGN_INS = 50;
const PASSWORD = 'a long and unusual passphrase 7';
const REDIRECT = 'https://ward.hospital.test/callback';

/**
 * 50 concurrent password sign-ins, half through each of two instances on one database: every
 * sign-in leaves its records, and the chain stays one gap-free line that verifies.
 */
describe('concurrent sign-ins across two instances', () => {
  const db = useDatabase();
  let a: ServiceProcess;
  let b: ServiceProcess;
  let admin: string;
  const userIds: string[] = [];

  beforeAll(async () => {
    const portA = await freePort();
    const env = {
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ISSUER: `http://localhost:${portA}`,
      // One test client signs in 50 users from one address: keep the per-IP limit out of the way.
      RATE_LIMIT_SIGN_IN_PER_IP: '100000',
      RATE_LIMIT_ADMIN_PER_IP: '100000',
      ...bootstrapEnv(),
    };
    a = await startService(env, portA);
    b = await startService(env);
    admin = await adminToken(a.url, { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET }, 'super-admin');
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${a.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Record<string, string>;
  };

  it('keeps one linear, verifiable chain', async () => {
    const client = await post('/admin/v1/clients', {
      name: 'Ward board',
      type: 'confidential',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
      mfaPolicy: 'optional',
    });
    for (let i = 0; i < SIGN_INS; i++) {
      userIds.push((await post('/admin/v1/users', { email: `nurse${i}@hospital.test`, password: PASSWORD })).id!);
    }
    const config = await oidc.discovery(new URL(a.url), client.clientId!, undefined, oidc.ClientSecretBasic(client.clientSecret!), {
      execute: [oidc.allowInsecureRequests],
    });
    const before = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'auth.login.succeeded'`);

    const results = await Promise.all(
      userIds.map((_, i) =>
        signIn(new HttpBrowser(i % 2 === 0 ? a.url : b.url, a.url), config, REDIRECT, { email: `nurse${i}@hospital.test`, password: PASSWORD }),
      ),
    );
    expect(new Set(results.map((r) => r.tokens.claims()!.sub))).toEqual(new Set(userIds));

    const rows = await db.query<{ seq: string; prev_hash: string; hash: string }>(`SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq`);
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    const after = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'auth.login.succeeded'`);
    expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(SIGN_INS);

    for (const service of [a, b]) {
      const report = (await (await adminGet(service.url, admin, '/admin/v1/audit/verify')).json()) as Record<string, unknown>;
      expect(report).toMatchObject({ ok: true, firstBroken: null });
    }
  });
});
