import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../../../src/audit/audit.repository.js';
import type { AuditContent } from '../../../src/audit/chain/audit-record.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startApp, testKek, type RunningApp } from '../../support/in-process-app.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, refOfToken, tokenRequest } from './audit-test-kit.js';

/**
 * Records written outside a caller's transaction are committed in groups. What must hold for
 * an auditor: every caller whose append resolved has its record in the chain, in one gap-free
 * chain that verifies; a record the database refuses fails alone, not the others of its group.
 */
describe('audit group commit', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, KEY_ENCRYPTION_KEY: testKek(), ...bootstrapEnv() });
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  async function verifiedChain(): Promise<void> {
    const token = await adminToken(running.url, bootstrap, 'super-admin');
    const report = (await (await adminGet(running.url, token, '/admin/v1/audit/verify')).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    const rows = await db.query<{ seq: string }>('SELECT seq FROM audit_events ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
  }

  it('gives every one of many concurrent token requests its own record in one verifying chain', async () => {
    const responses = await Promise.all(Array.from({ length: 60 }, () => tokenRequest(running.url, bootstrap)));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const refs = await Promise.all(responses.map(async (r) => refOfToken(((await r.json()) as { access_token: string }).access_token)));
    const rows = await db.query<{ ref: string }>(
      `SELECT details->>'tokenRef' AS ref FROM audit_events WHERE event_type = 'oidc.token.issued' AND details->>'tokenRef' = ANY($1)`,
      [refs],
    );
    expect(rows.map((r) => r.ref).sort()).toEqual([...refs].sort());
    await verifiedChain();
  });

  it('fails only the record the database refuses; the others of its group commit with the seqs they were told', async () => {
    const repo = running.app.get(AuditRepository);
    const content = (i: number, occurredAt = new Date().toISOString()): AuditContent => ({
      occurredAt,
      eventType: 'test.group-commit',
      outcome: 'success',
      actor: { type: 'system', id: 'group-commit-test' },
      subject: null,
      clientId: null,
      ip: null,
      userAgent: null,
      sessionId: null,
      correlationId: `group-commit-${i}`,
      details: { i },
    });
    const appends = Array.from({ length: 40 }, (_, i) => repo.append(i === 17 ? content(i, 'not a timestamp') : content(i)));
    const settled = await Promise.allSettled(appends);
    expect(settled.filter((s) => s.status === 'rejected').length).toBe(1);
    expect(settled[17]!.status).toBe('rejected');
    expect((settled[17] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringContaining('could not be written') });

    const told = settled.flatMap((s) => (s.status === 'fulfilled' ? [[s.value.seq, s.value.correlationId, s.value.hash]] : []));
    const stored = await db.query<{ seq: string; correlation_id: string; hash: string }>(
      `SELECT seq, correlation_id, hash FROM audit_events WHERE event_type = 'test.group-commit' ORDER BY seq`,
    );
    expect(stored.map((r) => [Number(r.seq), r.correlation_id, r.hash])).toEqual(told.sort((a, b) => Number(a[0]) - Number(b[0])));
    expect(stored.map((r) => r.correlation_id)).not.toContain('group-commit-17');
    await verifiedChain();
  });
});
