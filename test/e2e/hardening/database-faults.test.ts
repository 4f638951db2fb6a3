import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../support/fixture.js';
import { waitFor } from '../../support/ports.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, tokenRequest } from '../../integration/audit/audit-test-kit.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

/**
 * Breaks: the network path between a running service (child process) and PostgreSQL, by cutting
 * a TCP proxy in between (open connections dropped, new ones refused), then restores it.
 * Checks: readiness says 503 while the database is gone and liveness stays up; token requests
 * answer 503 temporarily_unavailable with Retry-After and carry no token; no token exists without its audit record;
 * after the restore the same process serves tokens again without a restart.
 */
describe('PostgreSQL unreachable during traffic, then back', () => {
  const db = useDatabase();
  let proxy: TcpProxy;
  let service: ServiceProcess;

  beforeAll(async () => {
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    service = await startService({
      DATABASE_URL: viaProxy.toString(),
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_POOL_SIZE: '4',
      ...bootstrapEnv(),
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
  });

  const issued = async () =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'oidc.token.issued'`))[0]!.n);
  const artifacts = async () =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM oidc_artifacts WHERE model = 'ClientCredentials'`))[0]!.n);

  it('answers 503 on readiness and refuses tokens while cut off, then recovers by itself', async () => {
    const before = await tokenRequest(service.url, bootstrap);
    expect(before.status).toBe(200);
    await before.arrayBuffer();
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    const issuedBefore = await issued();
    const artifactsBefore = await artifacts();

    proxy.cut();

    // Readiness notices: a load balancer stops sending traffic here.
    const notReady = await waitFor(
      'readiness to report the database gone',
      async () => {
        const res = await fetch(`${service.url}/health/ready`);
        return res.status === 503 ? ((await res.json()) as { checks: { database: string } }) : undefined;
      },
      60_000,
    );
    expect(notReady.checks.database).toBe('unavailable');
    // The process itself is alive: liveness must not get it restarted for a database outage.
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);

    // Token requests during the outage fail on the server side, clearly, and carry no token.
    const during = await Promise.all(Array.from({ length: 4 }, () => tokenRequest(service.url, bootstrap)));
    for (const res of during) {
      const body = await res.text();
      expect(res.status, body).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(body).not.toMatch(/access_token/);
      expect(body).not.toMatch(/\n\s+at |node_modules/);
      // The OAuth error shape a client library understands, not an HTML page or a driver message.
      expect(JSON.parse(body)).toMatchObject({ error: 'temporarily_unavailable' });
      expect(body).not.toMatch(/ECONNREFUSED|ECONNRESET|Connection terminated|postgres/i);
    }
    expect(service.child.exitCode).toBeNull();

    proxy.restore();

    // Recovery without a restart: the same process becomes ready and issues tokens again.
    await waitFor(
      'readiness to recover',
      async () => ((await fetch(`${service.url}/health/ready`)).status === 200 ? true : undefined),
      60_000,
    );
    const after = await waitFor(
      'a token after recovery',
      async () => {
        const res = await tokenRequest(service.url, bootstrap);
        return res.status === 200 ? ((await res.json()) as { access_token: string }) : (await res.arrayBuffer(), undefined);
      },
      60_000,
    );
    expect(after.access_token).toBeTruthy();
    expect(service.child.exitCode).toBeNull();

    // Nothing half-written: exactly the one new token exists, with its audit record; the refused ones left neither.
    expect((await artifacts()) - artifactsBefore).toBe(1);
    expect((await issued()) - issuedBefore).toBe(1);
  }, 240_000);
});
