import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockKey } from '../../src/database/advisory-lock.service.js';
import { adminToken, tokenRequest } from '../integration/audit/audit-test-kit.js';
import { waitFor } from '../support/ports.js';
import type { ServiceProcess } from '../support/service-process.js';
import { checkAfterFault } from './support/checks.js';
import { alive, bootstrap } from './support/service-on-proxy.js';
import { startTraffic, summary } from './support/traffic.js';
import { startTwoServices, type TwoServices } from './support/two-services.js';

/** A webhook receiver that keeps every request open until the test answers it. */
async function holdingReceiver() {
  const held: Array<{ body: string; res: ServerResponse }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => held.push({ body: Buffer.concat(chunks).toString('utf8'), res }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/security`,
    held,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Breaks: one of two instances on one database, with SIGKILL (no shutdown hook runs), in the
 * middle of a burst of token requests spread over both, and while it holds a cluster job's
 * advisory lock: the webhook delivery job, stuck sending an alert to a receiver that does not
 * answer yet.
 * Checks: only requests that were on their way to the dead instance fail, and only at the
 * connection level; the survivor answers every request after the kill; PostgreSQL frees the dead
 * instance's lock with its connections and the survivor takes the job over (it sends the alert the
 * dead one never finished, and the clean-up job runs on it); tokens, records and chain as always.
 */
describe('one of two instances killed mid-burst', () => {
  let two: TwoServices;
  let receiver: Awaited<ReturnType<typeof holdingReceiver>>;

  beforeAll(async () => {
    receiver = await holdingReceiver();
    two = await startTwoServices({ OUTBOUND_ALLOW_LOOPBACK: 'true', OIDC_CLEANUP_INTERVAL: '10' });
  }, 180_000);

  afterAll(async () => {
    await two?.close();
    await receiver?.close();
  });

  /** The application_name of the session holding the advisory lock `name`, if any. */
  async function lockHolder(name: string): Promise<string | undefined> {
    const key = BigInt.asUintN(64, BigInt(lockKey(name)));
    const rows = await two.db.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1`,
      [String(key >> 32n), String(key & 0xffffffffn)],
    );
    return rows[0]?.application_name;
  }

  it('keeps serving every request on the survivor, which takes over the dead instance\'s cluster jobs', async () => {
    const [a, b] = two.instances;
    const names = new Map<ServiceProcess, string>([
      [a, 'caduceus-a'],
      [b, 'caduceus-b'],
    ]);
    const admin = await adminToken(a.url, bootstrap, 'super-admin');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${a.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, any>) };
    };
    expect((await call('POST', '/admin/v1/webhooks', { url: receiver.url, eventTypes: ['mfa.reset'], description: 'security pager' })).status).toBe(201);
    const user = await call('POST', '/admin/v1/users', { email: 'ward.nurse@hospital.test', password: 'a long and unusual passphrase 7' });
    expect(user.status).toBe(201);

    // The load balancer: round-robin over the instances it believes up; a refused connection takes one out.
    let dead: ServiceProcess | undefined;
    const up = () => two.instances.filter((s) => s !== dead || alive(s));
    const traffic = startTraffic(16, async (w) => {
      const pool = up();
      const target = pool[w % pool.length]!;
      return tokenRequest(target.url, bootstrap).catch((err: Error) => {
        throw new Error(`[${names.get(target)}${target === dead ? ' (killed)' : ''}] ${err.message}`);
      });
    });
    await traffic.moreSuccesses(100, 'traffic on both instances');

    // An alert whose delivery hangs: the instance sending it holds the delivery job's lock meanwhile.
    expect((await call('DELETE', `/admin/v1/users/${user.body!.id}/mfa`)).status).toBe(204);
    await waitFor('the alert to reach the receiver', async () => (receiver.held.length === 1 ? true : undefined), 30_000);
    const holder = await waitFor('the delivery lock holder', () => lockHolder('caduceus:webhook-delivery'), 5_000);
    dead = holder === 'caduceus-a' ? a : b;
    const survivor = dead === a ? b : a;
    await dead.stop('SIGKILL');
    const killedAt = Date.now();

    // The survivor sends the same alert again once PostgreSQL has freed the lock.
    await waitFor('the survivor to deliver the alert', async () => (receiver.held.length === 2 ? true : undefined), 30_000);
    expect(await lockHolder('caduceus:webhook-delivery')).toBe(names.get(survivor));
    expect(JSON.parse(receiver.held[1]!.body).id).toBe(JSON.parse(receiver.held[0]!.body).id);
    receiver.held[1]!.res.writeHead(204).end();
    await waitFor('the delivery to be recorded', async () => {
      const [row] = await two.db.query<{ delivered_at: Date | null }>(`SELECT delivered_at FROM webhook_deliveries`);
      return row?.delivered_at ? true : undefined;
    }, 10_000);

    // The clean-up job runs on the survivor: an expired artifact planted after the kill goes.
    await two.db.query(`INSERT INTO oidc_artifacts (model, id, payload, expires_at) VALUES ('Interaction', 'fault-probe', '{}', now() - interval '1 minute')`);
    await waitFor('the survivor\'s clean-up to delete the expired artifact', async () => {
      const rows = await two.db.query(`SELECT 1 FROM oidc_artifacts WHERE id = 'fault-probe'`);
      return rows.length === 0 ? true : undefined;
    }, 40_000);

    await traffic.moreSuccesses(100, 'traffic on the survivor');
    const outcomes = await traffic.stop();
    expect(alive(survivor), survivor.output().slice(-3000)).toBe(true);
    const failed = outcomes.filter((o) => o.status !== 200);
    // Only requests to the dead instance fail, only at the connection level, and only around the kill.
    expect(failed.filter((o) => o.status !== 0 || !o.body.includes('(killed)')).map((o) => `${o.status} ${o.body}`), summary(outcomes)).toEqual([]);
    const lateFailures = failed.filter((o) => o.at - o.ms > killedAt + 1000);
    expect(lateFailures.length, 'requests started well after the kill all reached the survivor').toBe(0);
    await checkAfterFault({ url: survivor.url, db: two.db, client: bootstrap, outcomes });
    expect(alive(survivor)).toBe(true);
  });
});
