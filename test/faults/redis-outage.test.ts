import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenRequest } from '../integration/audit/audit-test-kit.js';
import { waitFor } from '../support/ports.js';
import { checkAfterFault } from './support/checks.js';
import { startOwnRedis, type OwnRedis } from './support/own-redis.js';
import { alive, bootstrap } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';
import { startTwoServices, type TwoServices } from './support/two-services.js';

const SIGN_IN_LIMIT = 4;
// An hour-long window, started by each address's first post: a probe (a fresh address) never outlives it.
const WINDOW = 3600;

/**
 * Breaks: Redis, the rate-limit counters two instances share: a test-owned redis-server killed
 * with SIGKILL while both instances serve a burst of token requests, then started again.
 * Checks: the instances neither crash nor fail a request; while Redis is gone the limits still
 * hold, counted by each instance on its own (README: a caller can reach the limit once per
 * instance, never more); the loss is logged as a warning; once Redis is back the two count
 * together again, by themselves; tokens, audit records and the chain as after every fault.
 */
describe('Redis killed mid-burst and started again', () => {
  let redis: OwnRedis;
  let two: TwoServices;
  const probes: number[] = [];
  let ip = 0;

  beforeAll(async () => {
    redis = await startOwnRedis();
    two = await startTwoServices({
      REDIS_URL: redis.url,
      // The probes below name their own address in X-Forwarded-For, a fresh one per probe.
      TRUST_PROXY: 'true',
      RATE_LIMIT_WINDOW: String(WINDOW),
      RATE_LIMIT_SIGN_IN_PER_IP: String(SIGN_IN_LIMIT),
      LOG_LEVEL: 'info',
    });
  }, 180_000);

  afterAll(async () => {
    await two?.close();
    await redis?.destroy();
  });

  /** A sign-in form post from `address` (to an interaction that does not exist: only its count matters). */
  async function signInPost(url: string, address: string): Promise<number> {
    const res = await fetch(`${url}/interaction/fault-probe/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
      body: 'email=probe%40hospital.test&password=wrong',
    });
    await res.arrayBuffer();
    probes.push(res.status);
    return res.status;
  }

  /** From a fresh address, `perInstance` posts to each instance in turn, then one more to A: whether that one was refused. */
  async function lastRefused(perInstance: (i: number) => string): Promise<{ refusedBefore: number; refused: boolean }> {
    const address = `198.51.100.${++ip}`;
    let refusedBefore = 0;
    for (let i = 0; ; i++) {
      const url = perInstance(i);
      if (!url) break;
      if ((await signInPost(url, address)) === 429) refusedBefore++;
    }
    const refused = (await signInPost(two.instances[0].url, address)) === 429;
    return { refusedBefore, refused };
  }

  const [alternating, eachAlone] = [
    // The limit's worth of posts spread over both instances: refused after only if they count together.
    (i: number) => (i < SIGN_IN_LIMIT ? two.instances[i % 2].url : ''),
    // The limit's worth of posts to each instance: all allowed only if each counts alone.
    (i: number) => (i < 2 * SIGN_IN_LIMIT ? two.instances[i < SIGN_IN_LIMIT ? 0 : 1].url : ''),
  ];

  it('keeps serving, limits each instance on its own while Redis is gone, and shares the counts again when it is back', async () => {
    const [a, b] = two.instances;
    const traffic = startTraffic(16, (w) => tokenRequest(two.instances[w % 2].url, bootstrap));
    await traffic.moreSuccesses(100, 'traffic before the fault');
    expect(await lastRefused(alternating), 'counts are shared through Redis').toEqual({ refusedBefore: 0, refused: true });

    await redis.kill();
    await traffic.moreSuccesses(100, 'traffic while Redis is gone');
    const alone = await lastRefused(eachAlone);
    expect(alone, 'while Redis is gone each instance counts alone, and still refuses above the limit').toEqual({ refusedBefore: 0, refused: true });
    expect(a.output() + b.output()).toMatch(/rate-limit counters unavailable/);

    await redis.start();
    await waitFor('the instances to share their counts again', async () => ((await lastRefused(alternating)).refused ? true : undefined), 60_000);
    await traffic.moreSuccesses(100, 'traffic after Redis returned');
    const outcomes = await traffic.stop();

    for (const service of [a, b]) expect(alive(service), service.output().slice(-3000)).toBe(true);
    expect(a.output() + b.output()).not.toMatch(/Unhandled|uncaught|"level":50/i);
    expect(outcomes.filter((o) => o.status !== 200).map((o) => `${o.status} ${o.body}`).slice(0, 5), summary(outcomes)).toEqual([]);
    expect(probes.filter((s) => s >= 500), 'no 5xx on the sign-in posts').toEqual([]);
    await checkAfterFault({ url: two.issuer, db: two.db, client: bootstrap, outcomes });
  });

  /**
   * Breaks: the same Redis, stalled rather than killed (SIGSTOP: its sockets stay open, no
   * command is answered) while both instances serve a burst, then continued.
   * Checks: each instance notices (the warning is logged) and counts on its own at once, so the
   * traffic goes on at speed instead of every request waiting on Redis (an outside attack saw 4 s
   * per token request, for as long as the stall lasted); the limits still hold; once Redis
   * answers the two count together again; nothing but 200s; tokens and chain as always.
   */
  it('keeps serving while Redis is stalled, limits each instance on its own, and shares the counts again when it answers', async () => {
    const [a, b] = two.instances;
    const traffic = startTraffic(16, (w) => tokenRequest(two.instances[w % 2].url, bootstrap));
    await traffic.moreSuccesses(100, 'traffic before the stall');
    const [aFrom, bFrom] = [a.output().length, b.output().length];
    redis.pause();
    await waitFor(
      'both instances to log that the counters are unavailable',
      async () => (/rate-limit counters unavailable/.test(a.output().slice(aFrom)) && /rate-limit counters unavailable/.test(b.output().slice(bFrom)) ? true : undefined),
      30_000,
    );
    // At a request per Redis timeout and counter this would take minutes; counted locally, seconds.
    await traffic.moreSuccesses(400, 'traffic while Redis is stalled', 60_000);
    expect(await lastRefused(eachAlone), 'while Redis is stalled each instance counts alone, and still refuses above the limit').toEqual({ refusedBefore: 0, refused: true });

    redis.resume();
    await waitFor('the instances to share their counts again', async () => ((await lastRefused(alternating)).refused ? true : undefined), 60_000);
    expect(a.output().slice(aFrom) + b.output().slice(bFrom)).toMatch(/rate-limit counters reachable again/);
    await traffic.moreSuccesses(100, 'traffic after Redis answered again');
    const outcomes = await traffic.stop();

    for (const service of [a, b]) expect(alive(service), service.output().slice(-3000)).toBe(true);
    expect(outcomes.filter((o) => o.status !== 200).map((o) => `${o.status} ${o.body}`).slice(0, 5), summary(outcomes)).toEqual([]);
    expect(probes.filter((s) => s >= 500), 'no 5xx on the sign-in posts').toEqual([]);
    await checkAfterFault({ url: two.issuer, db: two.db, client: bootstrap, outcomes });
  });
});
