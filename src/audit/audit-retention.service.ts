import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { AUDIT_CLOCK, type AuditClock } from './audit-clock.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AuditError, AuditErrorCode } from './audit.errors.js';
import { AuditRepository } from './audit.repository.js';

export interface PurgeResult {
  cutoff: string;
  purgedCount: number;
  throughSeq: number | null;
  tombstoneId: string | null;
}

/** The earliest instant whose records must still be kept: `years` calendar years before now. */
export function retentionCutoff(now: Date, years: number): Date {
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}

/**
 * Retention purge, the one path that removes audit records. Rules: only records older than
 * the retention period (six years by default) and only a whole prefix of the chain (every
 * record up to the last one recorded before the cut-off); a signed tombstone checkpoint of that
 * last record is written first, in the same transaction as the deletion and its own audit
 * record, so verification anchors on the tombstone afterwards. Role checks are the caller's
 * (the admin API allows super-admin only); the database function refuses a purge without
 * its tombstone.
 */
@Injectable()
export class AuditRetentionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_CLOCK) private readonly clock: AuditClock,
    private readonly repo: AuditRepository,
    private readonly checkpoints: AuditCheckpointService,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
  ) {}

  async purgeExpired(actor: EventActor, before?: Date): Promise<PurgeResult> {
    const limit = retentionCutoff(this.clock.now(), this.config.audit.retentionYears);
    if (before && before.getTime() > limit.getTime()) {
      throw new AuditError(
        AuditErrorCode.RETENTION_NOT_REACHED,
        `records are kept ${this.config.audit.retentionYears} years: nothing recorded after ${limit.toISOString()} may be purged`,
      );
    }
    const cutoff = before ?? limit;
    const throughSeq = await this.repo.lastSeqRecordedBefore(cutoff);
    if (throughSeq === null) return { cutoff: cutoff.toISOString(), purgedCount: 0, throughSeq: null, tombstoneId: null };
    const [last, firstSeq] = await Promise.all([this.repo.findRecord(throughSeq), this.repo.firstSeq()]);
    if (!last || firstSeq === null) return { cutoff: cutoff.toISOString(), purgedCount: 0, throughSeq: null, tombstoneId: null };

    const tombstone = await this.checkpoints.sign('tombstone', { seq: last.seq, hash: last.hash }, firstSeq);
    const purgedCount = await this.uow.run(async (tx) => {
      await this.repo.insertCheckpoint(tombstone, tx);
      const purged = await this.repo.purgeThrough(throughSeq, tx);
      await this.bus.publish(
        'audit.purged',
        { throughSeq, purgedCount: purged, tombstoneId: tombstone.id, cutoff: cutoff.toISOString() },
        { actor, tx },
      );
      return purged;
    });
    return { cutoff: cutoff.toISOString(), purgedCount, throughSeq, tombstoneId: tombstone.id };
  }
}
