import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapEnv, tokenRequest } from '../integration/audit/audit-test-kit.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/ports.js';
import { checkAfterFault, type Queryable } from './support/checks.js';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres.js';
import { alive, bootstrap, LOAD_LIMITS } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';

/**
 * Breaks: the PostgreSQL server itself, a test-owned cluster (initdb in a temp folder, own port),
 * killed with SIGKILL in the middle of a burst of token requests and started again on the same
 * data (crash recovery), as a primary that dies and comes back.
 * Checks: the service process survives; while the server is down callers get 503 with
 * Retry-After and readiness says 503; after it returns the same process serves again; every
 * token a caller received (before, during, after) introspects active with its audit record, so
 * nothing acknowledged was lost in the crash; the chain verifies.
 */
describe('a real PostgreSQL killed mid-burst and started again', () => {
  let server: OwnPostgres;
  let service: ServiceProcess;
  let pool: pg.Pool;
  const db: Queryable = { query: async (sql, params) => (await pool.query(sql, params)).rows };

  beforeAll(async () => {
    server = await startOwnPostgres();
    service = await startService({ DATABASE_URL: server.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...bootstrapEnv(), ...LOAD_LIMITS });
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await pool?.end().catch(() => undefined);
    await server?.destroy();
  });

  it('answers 503 while the server is gone and serves again without a restart when it is back', async () => {
    const traffic = startTraffic(16, () => tokenRequest(service.url, bootstrap));
    await traffic.moreSuccesses(100, 'traffic before the crash');
    await server.kill();
    await waitFor('callers to see the outage', async () => (traffic.count(503) > 0 ? true : undefined), 60_000);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(503);
    expect(alive(service), service.output().slice(-3000)).toBe(true);
    await server.start();
    await traffic.moreSuccesses(150, 'tokens after the server came back');
    const outcomes = await traffic.stop();
    expect(alive(service), service.output().slice(-3000)).toBe(true);
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.status} ${o.body}`).slice(0, 5), summary(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db, client: bootstrap, outcomes });
  });
});
