import { hashRecord, type AuditRecord } from './audit-record.js';

export type BreakReason = 'altered' | 'missing' | 'out_of_order' | 'link_broken' | 'checkpoint_mismatch' | 'bad_anchor';

/** The first broken link: the sequence number an investigator should look at, and why. */
export interface ChainBreak {
  seq: number;
  reason: BreakReason;
  detail: string;
}

/** What the walk starts from: the genesis, a tombstone left by a purge, or a signed checkpoint. */
export interface ChainAnchor {
  seq: number;
  hash: string;
  source: 'genesis' | 'tombstone' | 'checkpoint';
}

/** A signed statement that record `seq` had hash `hash`. */
export interface ChainPin {
  seq: number;
  hash: string;
  label: string;
}

export interface WalkResult {
  ok: boolean;
  firstSeq: number | null;
  lastSeq: number | null;
  recordsChecked: number;
  pinsChecked: number;
  firstBroken: ChainBreak | null;
}

/**
 * Walks records in sequence order, one at a time (so a trail of millions streams through).
 * Rules, checked in this order for each record:
 * - sequence numbers are gap-free from the anchor (a deleted record is `missing`);
 * - the stored hash is the hash of the record's content (an edited or moved record is `altered`);
 * - prevHash equals the previous record's hash (a record rewritten together with its hash
 *   breaks the link to its successor: reported at the rewritten record);
 * - a signed pin (checkpoint) at this seq names this hash (a wholesale rewrite of the table);
 * - at the end, no pin lies beyond the last record (records deleted from the end).
 */
export class ChainWalker {
  private expected: number | null;
  private prevHash: string | null;
  private readonly pins = new Map<number, ChainPin[]>();
  private result: WalkResult = { ok: true, firstSeq: null, lastSeq: null, recordsChecked: 0, pinsChecked: 0, firstBroken: null };

  constructor(anchor: ChainAnchor | null, pins: ChainPin[] = []) {
    this.expected = anchor ? anchor.seq + 1 : null;
    this.prevHash = anchor ? anchor.hash : null;
    for (const pin of pins) this.pins.set(pin.seq, [...(this.pins.get(pin.seq) ?? []), pin]);
  }

  get broken(): boolean {
    return this.result.firstBroken !== null;
  }

  /** Feeds the next record; returns false once the chain is broken (stop feeding). */
  push(record: AuditRecord): boolean {
    if (this.broken) return false;
    const r = this.result;
    if (this.expected !== null && record.seq !== this.expected) {
      return record.seq > this.expected
        ? this.fail(this.expected, 'missing', `record ${this.expected} is missing: the next record present is ${record.seq}`)
        : this.fail(record.seq, 'out_of_order', `record ${record.seq} appears after record ${this.expected - 1}`);
    }
    if (hashRecord(record) !== record.hash) {
      return this.fail(record.seq, 'altered', `record ${record.seq} does not match its hash: its content was changed`);
    }
    if (this.prevHash !== null && record.prevHash !== this.prevHash) {
      const previous = record.seq - 1;
      return r.recordsChecked === 0
        ? this.fail(record.seq, 'bad_anchor', `record ${record.seq} does not follow the starting point (seq ${previous})`)
        : this.fail(previous, 'link_broken', `record ${previous} was replaced: record ${record.seq} recorded a different hash for it`);
    }
    for (const pin of this.pins.get(record.seq) ?? []) {
      r.pinsChecked++;
      if (pin.hash !== record.hash) {
        return this.fail(record.seq, 'checkpoint_mismatch', `record ${record.seq} differs from the one ${pin.label} signed`);
      }
    }
    r.firstSeq ??= record.seq;
    r.lastSeq = record.seq;
    r.recordsChecked++;
    this.prevHash = record.hash;
    this.expected = record.seq + 1;
    return true;
  }

  /** Ends the walk. `complete`: the records fed were the whole trail up to its head. */
  finish(complete = true): WalkResult {
    if (!this.broken && complete) {
      const last = this.result.lastSeq ?? (this.expected !== null ? this.expected - 1 : 0);
      const beyond = [...this.pins.values()].flat().filter((p) => p.seq > last);
      if (beyond.length) {
        const pin = beyond.sort((a, b) => a.seq - b.seq)[0]!;
        this.fail(last + 1, 'missing', `${pin.label} covers records up to ${pin.seq}, but the trail ends at ${last}`);
      }
    }
    return { ...this.result };
  }

  private fail(seq: number, reason: BreakReason, detail: string): false {
    this.result = { ...this.result, ok: false, firstBroken: { seq, reason, detail } };
    return false;
  }
}
