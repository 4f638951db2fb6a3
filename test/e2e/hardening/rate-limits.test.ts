import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from '../../support/fixture.js';
import { createAdminClient, tokenRequest, type ClientCredentials } from '../../integration/audit/audit-test-kit.js';
import { freePort } from '../../support/ports.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// An hour-long window: a test of seconds never outlives the window its first request opened.
const WINDOW = 3600;

interface AuditRow {
  client_id: string | null;
  ip: string | null;
  outcome: string;
  details: { bucket: string; keyKind: string; limit: number };
}

/** Sends requests one at a time until one is refused (2 × limit + 2 at most, a generous bound). */
async function untilRefused(limit: number, send: () => Promise<Response>): Promise<{ allowed: number; refused: Response }> {
  let allowed = 0;
  for (let i = 0; i < 2 * limit + 2; i++) {
    const res = await send();
    if (res.status === 429) return { allowed, refused: res };
    expect(res.status).not.toBeGreaterThanOrEqual(500);
    await res.arrayBuffer();
    allowed++;
  }
  throw new Error(`no 429 after ${2 * limit + 2} requests`);
}

describe('rate limits (one instance, counters in memory)', () => {
  const running = useApp({
    env: {
      TRUST_PROXY: 'true',
      RATE_LIMIT_WINDOW: String(WINDOW),
      RATE_LIMIT_TOKEN_PER_IP: '5',
      RATE_LIMIT_TOKEN_PER_CLIENT: '3',
      RATE_LIMIT_SIGN_IN_PER_IP: '4',
      RATE_LIMIT_ADMIN_PER_IP: '4',
    },
  });
  let client: ClientCredentials;

  beforeAll(async () => {
    client = await createAdminClient(running, ['auditor']);
  });

  const audited = (bucket: string) =>
    running.db.query<AuditRow>(
      `SELECT client_id, ip, outcome, details FROM audit_events WHERE event_type = 'hardening.rate_limit.exceeded' AND details->>'bucket' = $1 ORDER BY seq`,
      [bucket],
    );

  it('refuses a flood of token requests from one IP with 429, Retry-After and an OAuth error, and audits it once', async () => {
    const ip = '198.51.100.10';
    // No credentials: the per-IP limit counts every request, whoever it claims to be.
    const send = () =>
      fetch(`${running.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: 'grant_type=client_credentials',
      });
    const { allowed, refused } = await untilRefused(5, send);
    expect(allowed).toBe(5);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.access_token).toBeUndefined();
    // Further refusals in the same window leave no further records.
    expect((await send()).status).toBe(429);
    const rows = (await audited('token')).filter((r) => r.ip === ip);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failure', client_id: null, details: { bucket: 'token', keyKind: 'ip', limit: 5 } });
  });

  it('limits one client across many IPs, so a client cannot escape by spreading its calls', async () => {
    let n = 0;
    // Every request from a new IP: only the per-client count can trip.
    const sendFrom = () =>
      fetch(`${running.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': `192.0.2.${++n}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    const { allowed, refused } = await untilRefused(3, sendFrom);
    expect(allowed).toBeGreaterThanOrEqual(3);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: string }).error).toBe('temporarily_unavailable');
    const rows = (await audited('token')).filter((r) => r.details.keyKind === 'client');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatchObject({ client_id: client.clientId, outcome: 'failure', details: { limit: 3 } });
  });

  it('refuses a flood on the admin API with problem+json and on the sign-in form with a readable message', async () => {
    const admin = await untilRefused(4, () => fetch(`${running.url}/admin/v1/whoami`, { headers: { 'x-forwarded-for': '198.51.100.20' } }));
    expect(admin.allowed).toBeGreaterThanOrEqual(4);
    expect(admin.refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(admin.refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await admin.refused.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });

    const signIn = await untilRefused(4, () =>
      fetch(`${running.url}/interaction/${randomBytes(8).toString('hex')}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.30' },
        body: 'email=a%40b.example&password=x',
        redirect: 'manual',
      }),
    );
    expect(signIn.allowed).toBeGreaterThanOrEqual(4);
    expect(Number(signIn.refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await signIn.refused.text()).toMatch(/Too many sign-in attempts/);
    expect((await audited('sign_in')).some((r) => r.ip === '198.51.100.30')).toBe(true);
    expect((await audited('admin')).some((r) => r.ip === '198.51.100.20')).toBe(true);
    // Another IP is untouched by these floods.
    const other = await fetch(`${running.url}/admin/v1/whoami`, { headers: { 'x-forwarded-for': '198.51.100.21' } });
    expect(other.status).toBe(401);
  });
});

describe('rate limits shared through Redis by two instances', () => {
  const prefix = `caduceus-test:${randomBytes(6).toString('hex')}:`;
  const env = {
    TRUST_PROXY: 'true',
    REDIS_URL,
    RATE_LIMIT_REDIS_PREFIX: prefix,
    RATE_LIMIT_WINDOW: String(WINDOW),
    RATE_LIMIT_TOKEN_PER_IP: '4',
  };
  const a = useApp({ env });
  const b = useApp(() => ({ env, database: a.db }));
  let client: ClientCredentials;

  beforeAll(async () => {
    client = await createAdminClient(a, ['auditor']);
  });


  it('counts requests on one instance against the limit on the other', async () => {
    // A key's window opens with its first request and lasts an hour: this test of seconds stays inside it.
    const ip = '203.0.113.1';
    const send = (url: string) =>
      fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': ip,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    const onA: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await send(a.url);
      await res.arrayBuffer();
      onA.push(res.status);
    }
    const onB = await send(b.url);
    expect(onA).toEqual([200, 200, 200, 200]);
    // B has served nothing from this IP: only A's four requests, counted in Redis, can refuse it.
    expect(onB.status).toBe(429);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const rows = await a.db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE event_type = 'hardening.rate_limit.exceeded' AND ip = $1`, [ip]);
    expect(Number(rows[0]!.n)).toBe(1);
  });
});

describe('rate limits when Redis is down', () => {
  // Nothing listens on this port: the counters are unreachable from the start.
  const running = useApp(async () => ({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_TOKEN_PER_IP: '2' } }));
  let client: ClientCredentials;

  beforeAll(async () => {
    client = await createAdminClient(running, ['auditor']);
  });


  it('keeps serving rather than failing tokens with the counters, and still limits on its own count', async () => {
    // Below the limit: served, not failed with the counters. Above it: refused on this instance's own count (README "Redis").
    const { allowed, refused } = await untilRefused(2, async () => {
      const res = await tokenRequest(running.url, client);
      if (res.status !== 429) expect(res.status).toBe(200);
      return res;
    });
    expect(allowed).toBeGreaterThanOrEqual(2);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
  });
});
