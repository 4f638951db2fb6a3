import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../support/fixture.js';
import { startService, type ServiceProcess } from '../../support/service-process.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, refOfToken, tokenRequest } from '../../integration/audit/audit-test-kit.js';

const TOTAL = 400;
const CONCURRENCY = 16;
const KILL_AFTER = 40;

/**
 * The service process is killed (SIGKILL: no shutdown hook runs) while client-credentials
 * requests are in flight. Every token a client received must have its audit record after the
 * restart, and the chain must verify: a response is never sent before its record commits.
 */
describe('a crash in the middle of a burst of token requests', () => {
  const db = useDatabase();
  let service: ServiceProcess;
  let env: Record<string, string>;
  const received: string[] = [];
  let failed = 0;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  beforeAll(async () => {
    env = { DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...bootstrapEnv() };
    service = await startService(env);

    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < TOTAL) {
        next++;
        try {
          const res = await tokenRequest(service.url, bootstrap);
          const body = (await res.json()) as { access_token?: string };
          if (res.status === 200 && body.access_token) received.push(body.access_token);
          else failed++;
        } catch {
          failed++;
        }
        if (!killed && received.length >= KILL_AFTER) {
          killed = true;
          service.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await service.stop('SIGKILL');
    service = await startService(env, service.port);
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('really killed the process mid-burst', () => {
    expect(received.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(failed).toBeGreaterThan(0);
    expect(received.length + failed).toBe(TOTAL);
  });

  it('has an audit record for every token a client received', async () => {
    const rows = await db.query<{ ref: string }>(`SELECT details->>'tokenRef' AS ref FROM audit_events WHERE event_type = 'oidc.token.issued'`);
    const recorded = new Set(rows.map((r) => r.ref));
    const missing = received.filter((token) => !recorded.has(refOfToken(token)));
    expect(missing).toEqual([]);
  });

  it('keeps a chain that verifies after the restart, and appends to it', async () => {
    const token = await adminToken(service.url, bootstrap, 'super-admin');
    const report = (await (await adminGet(service.url, token, '/admin/v1/audit/verify')).json()) as Record<string, any>;
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    const seqs = (await db.query<{ seq: string }>('SELECT seq FROM audit_events ORDER BY seq')).map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
