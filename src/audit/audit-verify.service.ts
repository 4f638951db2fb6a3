import { Inject, Injectable } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import { EventBus, type EventActor } from '../events/index.js';
import { AUDIT_SIGNER, type AuditSigner } from './audit-signer.js';
import { AuditError, AuditErrorCode } from './audit.errors.js';
import { AuditRepository, type StoredCheckpoint } from './audit.repository.js';
import { GENESIS_HASH } from './chain/audit-record.js';
import { ChainWalker, type ChainAnchor, type ChainBreak, type ChainPin } from './chain/chain-walker.js';
import { verifyCheckpointJws } from './chain/checkpoint-jws.js';

export interface VerifyReport {
  ok: boolean;
  anchor: { source: ChainAnchor['source']; seq: number; checkpointId: string | null };
  fromSeq: number | null;
  toSeq: number | null;
  recordsChecked: number;
  checkpointsChecked: number;
  /** Checkpoints signed by a key no longer published: they cannot vouch for anything. */
  checkpointsUnverifiable: number;
  firstBroken: ChainBreak | null;
}

/**
 * Walks the chain in the database and reports the first broken link. It starts from the
 * genesis, from the newest tombstone when records were purged, or from a checkpoint the
 * auditor names; every signed checkpoint after the start is checked against the record it
 * names. Only signatures by currently published keys are trusted, and the signed claims (not
 * the row's columns, which an attacker could edit) are what records are compared with.
 */
@Injectable()
export class AuditVerifyService {
  constructor(
    private readonly repo: AuditRepository,
    @Inject(AUDIT_SIGNER) private readonly keys: AuditSigner,
    private readonly bus: EventBus,
  ) {}

  async verify(opts: { checkpointId?: string; toSeq?: number }, actor: EventActor): Promise<VerifyReport> {
    const report = await this.walk(opts);
    await this.bus.publish(
      'audit.verified',
      {
        ok: report.ok,
        fromSeq: report.fromSeq,
        toSeq: report.toSeq,
        recordsChecked: report.recordsChecked,
        firstBrokenSeq: report.firstBroken?.seq ?? null,
        reason: report.firstBroken?.reason ?? null,
      },
      { actor },
    );
    return report;
  }

  private async walk(opts: { checkpointId?: string; toSeq?: number }): Promise<VerifyReport> {
    const jwks = await this.keys.publicJwks();
    const tombstone = await this.repo.latestCheckpoint(['tombstone']);
    const early: ChainBreak[] = [];
    let unverifiable = 0;
    // A checkpoint's signed claims, not its row, are what the walk trusts.
    const anchorOn = async (checkpoint: StoredCheckpoint, source: ChainAnchor['source']) => {
      const signed = await this.signedPoint(checkpoint, jwks);
      if (signed === 'invalid') early.push(invalidCheckpoint(checkpoint));
      if (signed === 'unknown_key') unverifiable++;
      const hash = typeof signed === 'string' ? checkpoint.hash : signed.hash;
      return { anchor: { seq: checkpoint.seq, hash, source }, checkpointId: checkpoint.id };
    };

    let start: { anchor: ChainAnchor; checkpointId: string | null };
    if (opts.checkpointId) {
      const checkpoint = await this.repo.findCheckpoint(opts.checkpointId);
      if (!checkpoint) throw new AuditError(AuditErrorCode.CHECKPOINT_NOT_FOUND, `no checkpoint ${opts.checkpointId}`);
      if (tombstone && checkpoint.seq < tombstone.seq) {
        throw new AuditError(AuditErrorCode.CHECKPOINT_PURGED, `the records after checkpoint ${checkpoint.id} were purged up to ${tombstone.seq}`);
      }
      start = await anchorOn(checkpoint, 'checkpoint');
    } else if (tombstone) {
      start = await anchorOn(tombstone, 'tombstone');
    } else {
      start = { anchor: { seq: 0, hash: GENESIS_HASH, source: 'genesis' }, checkpointId: null };
    }

    const pins: ChainPin[] = [];
    for (const checkpoint of await this.repo.checkpointsFrom(start.anchor.seq + 1)) {
      if (checkpoint.kind === 'tombstone') continue;
      if (opts.toSeq !== undefined && checkpoint.seq > opts.toSeq) continue;
      const signed = await this.signedPoint(checkpoint, jwks);
      if (signed === 'unknown_key') unverifiable++;
      else if (signed === 'invalid') early.push(invalidCheckpoint(checkpoint));
      else pins.push({ seq: signed.seq, hash: signed.hash, label: `checkpoint ${checkpoint.id}` });
    }

    const walker = new ChainWalker(start.anchor, pins);
    for await (const record of this.repo.scan({ fromSeq: start.anchor.seq + 1, toSeq: opts.toSeq })) {
      if (!walker.push(record)) break;
    }
    const result = walker.finish(opts.toSeq === undefined);
    const breaks = [...early, ...(result.firstBroken ? [result.firstBroken] : [])].sort((a, b) => a.seq - b.seq);
    return {
      ok: breaks.length === 0,
      anchor: { source: start.anchor.source, seq: start.anchor.seq, checkpointId: start.checkpointId },
      fromSeq: result.firstSeq,
      toSeq: result.lastSeq,
      recordsChecked: result.recordsChecked,
      checkpointsChecked: result.pinsChecked,
      checkpointsUnverifiable: unverifiable,
      firstBroken: breaks[0] ?? null,
    };
  }

  /** The (seq, hash) a checkpoint's signature vouches for; whether its row was edited too. */
  private async signedPoint(
    checkpoint: StoredCheckpoint,
    jwks: JSONWebKeySet,
  ): Promise<{ seq: number; hash: string } | 'unknown_key' | 'invalid'> {
    if (!jwks.keys.some((k) => k.kid === checkpoint.kid)) return 'unknown_key';
    try {
      const { claims } = await verifyCheckpointJws(checkpoint.jws, jwks);
      if (claims.seq !== checkpoint.seq || claims.hash !== checkpoint.hash || claims.kind !== checkpoint.kind) return 'invalid';
      return { seq: claims.seq, hash: claims.hash };
    } catch {
      return 'invalid';
    }
  }
}

function invalidCheckpoint(checkpoint: StoredCheckpoint): ChainBreak {
  return {
    seq: checkpoint.seq,
    reason: 'checkpoint_mismatch',
    detail: `checkpoint ${checkpoint.id} was altered: its signature does not match its content`,
  };
}
