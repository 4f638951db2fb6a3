import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/audit/index.js';
import { useApp } from '../../support/fixture.js';
import { adminGet, adminPost, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, rehash, tokenRequest } from './audit-test-kit.js';

/**
 * An administrator with database access (here: the superuser the tests connect as) edits,
 * deletes and reorders audit rows after switching the append-only trigger off; verification
 * must name the record. Each case puts the row back so the next starts from a valid chain.
 */
describe('tampering with the audit trail in PostgreSQL', () => {
  let token: string;
  const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };

  const verify = async (query = '') => (await (await adminGet(running.url, token, `/admin/v1/audit/verify${query}`)).json()) as Record<string, any>;
  const asSuperuser = async (sql: string, params?: unknown[]) => {
    await running.db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    try {
      await running.db.query(sql, params);
    } finally {
      await running.db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    }
  };
  const record = async (seq: number) => (await (await adminGet(running.url, token, `/admin/v1/audit/events/${seq}`)).json()) as AuditRecord;

  const running = useApp({ env: bootstrapEnv() });

  beforeAll(async () => {
    for (let i = 0; i < 8; i++) expect((await tokenRequest(running.url, bootstrap)).status).toBe(200);
    token = await adminToken(running.url, bootstrap, 'super-admin');
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit tables, even to a superuser, while the trigger is on', async () => {
    await expect(running.db.query(`UPDATE audit_events SET details = '{}' WHERE seq = 3`)).rejects.toThrow(/append-only/);
    await expect(running.db.query(`DELETE FROM audit_events WHERE seq = 3`)).rejects.toThrow(/append-only/);
    await expect(running.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect((await adminPost(running.url, token, '/admin/v1/audit/checkpoints')).status).toBe(201);
    await expect(running.db.query(`UPDATE audit_checkpoints SET seq = 1`)).rejects.toThrow(/append-only/);
    await expect(running.db.query(`DELETE FROM audit_checkpoints`)).rejects.toThrow(/append-only/);
    await expect(running.db.query(`TRUNCATE audit_checkpoints`)).rejects.toThrow(/append-only/);
    await expect(running.db.query(`SELECT audit_purge_prefix(3)`)).rejects.toThrow(/tombstone/);
  });

  it('names the record whose details were edited', async () => {
    const [row] = await running.db.query<{ details: unknown }>('SELECT details FROM audit_events WHERE seq = 6');
    await asSuperuser(`UPDATE audit_events SET details = jsonb_set(details, '{scope}', '"admin:super-admin"') WHERE seq = 6`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 6, reason: 'altered' } });
    await asSuperuser(`UPDATE audit_events SET details = $1 WHERE seq = 6`, [JSON.stringify(row!.details)]);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the record that was deleted', async () => {
    const [row] = await running.db.query<Record<string, unknown>>('SELECT * FROM audit_events WHERE seq = 5');
    await asSuperuser(`DELETE FROM audit_events WHERE seq = 5`);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'missing' } });
    const columns = Object.keys(row!);
    await running.db.query(
      `INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => (c === 'details' ? JSON.stringify(row![c]) : row![c])),
    );
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the first of two records whose order was swapped', async () => {
    const swap = `UPDATE audit_events SET seq = 1000000 WHERE seq = 7;
                  UPDATE audit_events SET seq = 7 WHERE seq = 8;
                  UPDATE audit_events SET seq = 8 WHERE seq = 1000000;`;
    await asSuperuser(swap);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 7 } });
    await asSuperuser(swap);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('catches a rewrite of the whole table (every hash recomputed) through a signed checkpoint', async () => {
    const checkpoint = (await (await adminPost(running.url, token, '/admin/v1/audit/checkpoints')).json()) as { id: string; seq: number };
    const head = Number((await running.db.query<{ seq: string }>('SELECT max(seq) AS seq FROM audit_events'))[0]!.seq);
    let prevHash = (await record(3)).hash;
    for (let seq = 4; seq <= head; seq++) {
      const r = await record(seq);
      const forged = { ...r, prevHash, details: seq === 4 ? { ...r.details, clientId: 'someone-else' } : r.details };
      const hash = rehash(forged);
      await asSuperuser(`UPDATE audit_events SET prev_hash = $1, hash = $2, details = $3 WHERE seq = $4`, [
        prevHash,
        hash,
        JSON.stringify(forged.details),
        seq,
      ]);
      prevHash = hash;
    }
    // The first signed checkpoint after the forged record is where the forgery shows.
    const [first] = await running.db.query<{ id: string; seq: string }>('SELECT id, seq FROM audit_checkpoints WHERE seq >= 4 ORDER BY seq LIMIT 1');
    expect(Number(first!.seq)).toBeLessThanOrEqual(checkpoint.seq);
    const report = await verify();
    expect(report).toMatchObject({ ok: false, firstBroken: { seq: Number(first!.seq), reason: 'checkpoint_mismatch' } });
    expect(report.firstBroken.detail).toContain(first!.id);
  });
});
