import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, RECORD_VERSION, sealRecord, type AuditRecord } from './audit-record.js';
import { ChainWalker } from './chain-walker.js';

function chain(n: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const r = sealRecord({
      v: RECORD_VERSION,
      seq,
      prevHash: prev,
      recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      eventType: 'oidc.token.issued',
      outcome: 'success',
      actor: { type: 'client', id: 'ehr' },
      subject: { type: 'client', id: 'ehr' },
      clientId: 'ehr',
      ip: '10.0.0.1',
      userAgent: null,
      sessionId: null,
      correlationId: `req-${seq}`,
      details: { n: seq },
    });
    records.push(r);
    prev = r.hash;
  }
  return records;
}

const walk = (records: AuditRecord[], pins: Array<{ seq: number; hash: string; label: string }> = []) => {
  const w = new ChainWalker({ seq: 0, hash: GENESIS_HASH, source: 'genesis' }, pins);
  for (const r of records) if (!w.push(r)) break;
  return w.finish();
};

describe('walking the audit chain', () => {
  it('accepts an intact chain', () => {
    expect(walk(chain(5))).toMatchObject({ ok: true, recordsChecked: 5, firstSeq: 1, lastSeq: 5, firstBroken: null });
  });

  it.each([
    ['an edited record', (c: AuditRecord[]) => ((c[2] = { ...c[2]!, details: { n: 99 } }), c), 3, 'altered'],
    ['an edited record whose hash was recomputed', (c: AuditRecord[]) => ((c[2] = sealRecord({ ...c[2]!, details: { n: 99 } })), c), 3, 'link_broken'],
    ['a deleted record', (c: AuditRecord[]) => (c.splice(2, 1), c), 3, 'missing'],
    ['two swapped records', (c: AuditRecord[]) => ([c[1], c[2]] = [c[2]!, c[1]!], c), 2, 'missing'],
    ['two records whose positions (seq) were swapped', (c: AuditRecord[]) => {
      const a = c[1]!;
      const b = c[2]!;
      c[1] = { ...b, seq: 2 };
      c[2] = { ...a, seq: 3 };
      return c;
    }, 2, 'altered'],
    ['a deleted first record', (c: AuditRecord[]) => (c.shift(), c), 1, 'missing'],
  ] as const)('reports %s at the right sequence number', (_label, tamper, seq, reason) => {
    const result = walk(tamper(chain(6)));
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ seq, reason });
  });

  it('catches a wholesale rewrite through a signed checkpoint', () => {
    const original = chain(5);
    const pin = { seq: 4, hash: original[3]!.hash, label: 'checkpoint A' };
    // The attacker rewrites record 2 and every hash after it: the chain is self-consistent again.
    const rewritten: AuditRecord[] = [original[0]!];
    for (const r of original.slice(1)) {
      rewritten.push(sealRecord({ ...r, prevHash: rewritten.at(-1)!.hash, details: r.seq === 2 ? { n: 0 } : r.details }));
    }
    expect(walk(rewritten).ok).toBe(true);
    expect(walk(rewritten, [pin]).firstBroken).toMatchObject({ seq: 4, reason: 'checkpoint_mismatch' });
  });

  it('catches records deleted from the end when a checkpoint covers them', () => {
    const records = chain(5);
    const pin = { seq: 5, hash: records[4]!.hash, label: 'checkpoint B' };
    expect(walk(records.slice(0, 3), [pin]).firstBroken).toMatchObject({ seq: 4, reason: 'missing' });
  });
});
