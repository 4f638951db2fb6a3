import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenRequest } from '../integration/audit/audit-test-kit.js';
import { waitFor } from '../support/ports.js';
import { checkAfterFault } from './support/checks.js';
import { alive, bootstrap, startServiceOnProxy, type ServiceOnProxy } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';

/**
 * Breaks: every connection between a busy service and PostgreSQL, at once, with a TCP RST (as a
 * failover or a restarted proxy does), while 16 client-credentials callers keep asking for
 * tokens; new connections are refused for about three seconds, then allowed again.
 * Checks: the process survives (the reset once killed it with an unhandled 'error' event from a
 * checked-out pg client); callers get 503 temporarily_unavailable with Retry-After, never
 * another 5xx; the pool heals by itself; every token a caller received introspects active and
 * has its audit record; the audit chain verifies.
 */
describe('connections to PostgreSQL reset under load', () => {
  let env: ServiceOnProxy;

  beforeAll(async () => {
    env = await startServiceOnProxy();
  }, 120_000);

  afterAll(async () => {
    await env?.close();
  });

  it('survives the reset, answers 503 while refused, and heals without a restart', async () => {
    const { service, proxy } = env;
    const traffic = startTraffic(16, () => tokenRequest(service.url, bootstrap));
    await traffic.moreSuccesses(100, 'traffic to flow before the fault');

    proxy.reset();
    const cutAt = Date.now();
    // Refused for three seconds, and at least until callers have been told 503 (the fault was seen).
    await waitFor('callers to see the outage', async () => (Date.now() - cutAt >= 3000 && traffic.count(503) > 0 ? true : undefined), 60_000);
    expect(alive(service), `the process died:\n${service.output().slice(-3000)}`).toBe(true);
    proxy.restore();

    await traffic.moreSuccesses(200, 'tokens again after the database returned');
    const outcomes = await traffic.stop();
    expect(alive(service), `the process died:\n${service.output().slice(-3000)}`).toBe(true);
    expect(outcomes.filter((o) => o.status === 0), summary(outcomes)).toEqual([]);
    await checkAfterFault({ url: service.url, db: env.db, client: bootstrap, outcomes });
    expect(alive(service)).toBe(true);
  }, 180_000);
});
