import { expect } from 'vitest';
import { refOfToken, tokenRequest, type ClientCredentials } from '../../integration/audit/audit-test-kit.js';
import type { Outcome } from './traffic.js';

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * What every fault case checks once the fault is over, whatever it broke:
 * - no answer was a 5xx other than 503, and every 503 told the caller when to retry;
 * - every 503 is the OAuth/problem shape with no driver message or stack in it;
 * - every token a caller received introspects active and has its `oidc.token.issued` record;
 * - the audit chain verifies (GET /admin/v1/audit/verify says ok).
 */
export async function checkAfterFault(opts: {
  url: string;
  db: Queryable;
  client: ClientCredentials;
  outcomes: Outcome[];
}): Promise<{ tokens: number }> {
  const { url, db, client, outcomes } = opts;
  const bad = outcomes.filter((o) => o.status >= 500 && o.status !== 503);
  expect(bad.map((o) => `${o.status} ${o.body}`).slice(0, 5), 'no 5xx other than 503').toEqual([]);
  for (const o of outcomes.filter((o) => o.status === 503)) {
    expect(o.retryAfter, `a 503 without Retry-After: ${o.body}`).toMatch(/^\d+$/);
    expect(o.body).not.toMatch(/\n\s+at |node_modules|ECONNRESET|ECONNREFUSED|Connection terminated|timeout exceeded/i);
    expect(o.body).toMatch(/temporarily_unavailable|Service Unavailable/);
  }

  const tokens = [...new Set(outcomes.flatMap((o) => (o.token ? [o.token] : [])))];
  const inactive: string[] = [];
  for (let i = 0; i < tokens.length; i += 16) {
    const answers = await Promise.all(tokens.slice(i, i + 16).map((t) => introspect(url, client, t)));
    answers.forEach((active, j) => active || inactive.push(tokens[i + j]!));
  }
  expect(inactive.length, `tokens a client received that no longer introspect active (of ${tokens.length})`).toBe(0);

  const refs = tokens.map(refOfToken);
  const rows = await db.query<{ ref: string }>(
    `SELECT DISTINCT details->>'tokenRef' AS ref FROM audit_events WHERE event_type = 'oidc.token.issued' AND details->>'tokenRef' = ANY($1)`,
    [refs],
  );
  expect(refs.length - rows.length, 'tokens a client received without their audit record').toBe(0);

  const report = await verifyChain(url, client);
  expect(report).toMatchObject({ ok: true });
  return { tokens: tokens.length };
}

export async function introspect(url: string, client: ClientCredentials, token: string): Promise<boolean> {
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
  const res = await fetch(`${url}/introspect`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { active: boolean }).active;
}

/** The audit chain's verification report, through the admin API with a fresh super-admin token. */
export async function verifyChain(url: string, client: ClientCredentials): Promise<Record<string, unknown>> {
  const tokenRes = await tokenRequest(url, client, { resource: 'urn:caduceus:admin', scope: 'admin:super-admin' });
  expect(tokenRes.status).toBe(200);
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const res = await fetch(`${url}/admin/v1/audit/verify`, { headers: { authorization: `Bearer ${access_token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}
