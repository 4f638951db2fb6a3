import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenRequest } from '../integration/audit/audit-test-kit.js';
import { waitFor } from '../support/ports.js';
import { checkAfterFault } from './support/checks.js';
import { alive, bootstrap, startServiceOnProxy, type ServiceOnProxy } from './support/service-on-proxy.js';
import { startTraffic, summary, type Outcome } from './support/traffic.js';

const STATEMENT_TIMEOUT_MS = 2000;
const ACQUIRE_TIMEOUT_MS = 2000;

/**
 * One service process on PostgreSQL through a TCP proxy, with client-credentials callers and
 * admin API readers (audit search: admin token check, RBAC, a read) running throughout.
 */
describe('database path faults under mixed load', () => {
  let env: ServiceOnProxy;
  let adminToken: string;

  beforeAll(async () => {
    env = await startServiceOnProxy({
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '6',
    });
    const res = await tokenRequest(env.service.url, bootstrap, { resource: 'urn:caduceus:admin', scope: 'admin:super-admin' });
    adminToken = ((await res.json()) as { access_token: string }).access_token;
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  /**
   * Workers 0..11 ask for tokens, 12..13 read the admin API, 14..15 introspect the admin token
   * (a live JWT, as its own client: a resource server checking a clinician's token).
   */
  const mixed = (worker: number) => {
    if (worker < 12) return tokenRequest(env.service.url, bootstrap);
    if (worker < 14) return fetch(`${env.service.url}/admin/v1/audit/events?limit=5`, { headers: { authorization: `Bearer ${adminToken}` } });
    const basic = Buffer.from(`${bootstrap.clientId}:${bootstrap.clientSecret}`).toString('base64');
    return fetch(`${env.service.url}/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: adminToken }),
    });
  };

  /** A live token answered inactive (or the admin API refusing it) is a wrong answer, not an outage: only 503 may stand for one. */
  const wrongAnswers = (outcomes: Outcome[]) =>
    outcomes.filter((o) => (o.status === 200 && /"active":false/.test(o.body)) || o.status === 401).map((o) => `${o.status} ${o.body}`).slice(0, 5);

  /**
   * Breaks: every connection, with a TCP RST, three times in a row at random moments of a burst
   * (so some resets land while an audit group commit holds its connection mid-transaction and
   * while a cluster job holds its advisory-lock connection); refused for a second or two each time.
   * Checks: same process throughout; only 200 and 503 (with Retry-After) answers, on the OIDC
   * endpoints and the admin API alike; service heals after each; tokens introspect active,
   * each with its audit record; the chain verifies.
   */
  it('survives repeated resets at random moments and heals after each', async () => {
    const { service, proxy } = env;
    const traffic = startTraffic(16, mixed);
    for (let round = 0; round < 3; round++) {
      await traffic.moreSuccesses(30 + Math.floor(Math.random() * 120), `traffic before reset ${round + 1}`);
      proxy.reset();
      const at = Date.now();
      const refusedMs = 1000 + Math.random() * 1000;
      await waitFor('the outage to be seen', async () => (Date.now() - at >= refusedMs && traffic.count(503) > 0 ? true : undefined), 60_000);
      proxy.restore();
      await traffic.moreSuccesses(60, `recovery after reset ${round + 1}`);
      expect(alive(service), service.output().slice(-3000)).toBe(true);
    }
    const outcomes = await traffic.stop();
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.status} ${o.body}`).slice(0, 5), summary(outcomes)).toEqual([]);
    expect(wrongAnswers(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db: env.db, client: bootstrap, outcomes });
    expect(alive(service)).toBe(true);
  });

  /**
   * Breaks: the database path becomes slow (400 ms added to every packet each way) under load.
   * Checks: no request waits past the configured limits (acquire + statement timeout + the
   * client backstop, with a margin for a busy machine): each answers 200 or 503; once the
   * latency goes, the same pool serves at full speed again; tokens and chain as always.
   */
  it('answers within its timeouts while the database is slow, and recovers when it is fast again', async () => {
    const { service, proxy } = env;
    const traffic = startTraffic(16, mixed);
    await traffic.moreSuccesses(50, 'traffic before the latency');
    proxy.setLatency(400);
    const slowFrom = traffic.outcomes.length;
    await waitFor('slow answers to be seen', async () => (traffic.outcomes.slice(slowFrom).filter((o) => o.ms > 800).length >= 16 ? true : undefined), 90_000);
    proxy.setLatency(0);
    await traffic.moreSuccesses(100, 'full speed again');
    const outcomes = await traffic.stop();
    const limit = ACQUIRE_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 2000 + 5000;
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    expect(slowest, `slowest answer ${slowest} ms; ${summary(outcomes)}`).toBeLessThan(limit * 2);
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.status} ${o.body}`).slice(0, 5)).toEqual([]);
    expect(wrongAnswers(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db: env.db, client: bootstrap, outcomes });
    expect(alive(service)).toBe(true);
  });
});
