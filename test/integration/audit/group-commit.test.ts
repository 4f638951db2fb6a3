import { describe, expect, it } from 'vitest';
import { AuditRepository } from '../../../src/audit/audit.repository.js';
import { ClientsService } from '../../../src/clients/index.js';
import type { AuditContent } from '../../../src/audit/chain/audit-record.js';
import { useApp } from '../../support/fixture.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, refOfToken, tokenRequest } from './audit-test-kit.js';

/**
 * Records written outside a caller's transaction are committed in groups. What must hold for
 * an auditor: every caller whose append resolved has its record in the chain, in one gap-free
 * chain that verifies; a record the database refuses fails alone, not the others of its group.
 */
describe('audit group commit', () => {
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  const running = useApp({ env: bootstrapEnv() });

  async function verifiedChain(): Promise<void> {
    const token = await adminToken(running.url, bootstrap, 'super-admin');
    const report = (await (await adminGet(running.url, token, '/admin/v1/audit/verify')).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    const rows = await running.db.query<{ seq: string }>('SELECT seq FROM audit_events ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
  }

  it('gives every one of many concurrent token requests its own record in one verifying chain', async () => {
    const responses = await Promise.all(Array.from({ length: 60 }, () => tokenRequest(running.url, bootstrap)));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const refs = await Promise.all(responses.map(async (r) => refOfToken(((await r.json()) as { access_token: string }).access_token)));
    const rows = await running.db.query<{ ref: string }>(
      `SELECT details->>'tokenRef' AS ref FROM audit_events WHERE event_type = 'oidc.token.issued' AND details->>'tokenRef' = ANY($1)`,
      [refs],
    );
    expect(rows.map((r) => r.ref).sort()).toEqual([...refs].sort());
    await verifiedChain();
  });

  it('keeps one chain while records written inside admin transactions race group-committed ones', async () => {
    const clients = running.app.get(ClientsService);
    const [created, tokens] = await Promise.all([
      Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          clients.createClient({ name: `race ${i}`, type: 'confidential', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' }),
        ),
      ),
      Promise.all(Array.from({ length: 40 }, () => tokenRequest(running.url, bootstrap))),
    ]);
    expect(tokens.every((r) => r.status === 200)).toBe(true);
    const rows = await running.db.query<{ subject_id: string }>(`SELECT subject_id FROM audit_events WHERE event_type = 'client.created' AND subject_id = ANY($1)`, [
      created.map((c) => c.clientId),
    ]);
    expect(rows).toHaveLength(6);
    await verifiedChain();
  });

  const content = (run: string, i: number, occurredAt = new Date().toISOString()): AuditContent => ({
    occurredAt,
    eventType: 'test.group-commit',
    outcome: 'success',
    actor: { type: 'system', id: 'group-commit-test' },
    subject: null,
    clientId: null,
    ip: null,
    userAgent: null,
    sessionId: null,
    correlationId: `${run}-${i}`,
    details: { i },
  });

  /** Appends 40 records at once, record 17 being bad; only it may fail, the others are in the chain as told. */
  async function onlyTheBadOneFails(run: string, bad: AuditContent): Promise<void> {
    const repo = running.app.get(AuditRepository);
    const appends = Array.from({ length: 40 }, (_, i) => repo.append(i === 17 ? bad : content(run, i)));
    const settled = await Promise.allSettled(appends);
    expect(settled.filter((s) => s.status === 'rejected').length).toBe(1);
    expect(settled[17]!.status).toBe('rejected');
    expect((settled[17] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringContaining('could not be written') });

    const told = settled.flatMap((s) => (s.status === 'fulfilled' ? [[s.value.seq, s.value.correlationId, s.value.hash]] : []));
    const stored = await running.db.query<{ seq: string; correlation_id: string; hash: string }>(
      `SELECT seq, correlation_id, hash FROM audit_events WHERE correlation_id LIKE $1 ORDER BY seq`,
      [`${run}-%`],
    );
    expect(stored.map((r) => [Number(r.seq), r.correlation_id, r.hash])).toEqual(told.sort((a, b) => Number(a[0]) - Number(b[0])));
    expect(stored).toHaveLength(39);
    await verifiedChain();
  }

  it('fails only a record the database refuses as data; the others of its group commit with the seqs they were told', async () => {
    await onlyTheBadOneFails('data', content('data', 17, 'not a timestamp'));
  });

  it('fails only a record a database rule refuses for another reason (a trigger raising an error)', async () => {
    await running.db.query(`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.correlation_id = 'refuse-me' THEN RAISE EXCEPTION 'refused by rule'; END IF; RETURN NEW; END $$`);
    await running.db.query(`CREATE TRIGGER refuse_marked BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_marked()`);
    try {
      await onlyTheBadOneFails('rule', { ...content('rule', 17), correlationId: 'refuse-me' });
    } finally {
      await running.db.query(`DROP TRIGGER refuse_marked ON audit_events`);
    }
  });

  it('fails only a record that cannot be sealed (a value JSON cannot represent)', async () => {
    await onlyTheBadOneFails('seal', { ...content('seal', 17), details: { n: 10n } as unknown as AuditContent['details'] });
  });
});
