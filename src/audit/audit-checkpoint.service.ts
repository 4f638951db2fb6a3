import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { decodeProtectedHeader } from 'jose';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AdvisoryLockService, UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { AUDIT_SIGNER, type AuditSigner } from './audit-signer.js';
import { AUDIT_CLOCK, type AuditClock } from './audit-clock.js';
import { AuditError, AuditErrorCode } from './audit.errors.js';
import { AuditRepository, type ChainPoint, type CheckpointKind, type StoredCheckpoint } from './audit.repository.js';
import { CHECKPOINT_TYP, type CheckpointClaims } from './chain/checkpoint-jws.js';

/**
 * Rule for the periodic job: a checkpoint is due when the newest periodic or on-demand one is
 * at least one interval old, and the chain has grown since it (an idle trail needs none).
 */
export function checkpointDue(
  latest: { createdAt: Date; seq: number } | null,
  head: ChainPoint | null,
  now: Date,
  intervalMinutes: number,
): boolean {
  if (!head) return false;
  if (!latest) return true;
  return head.seq > latest.seq && now.getTime() - latest.createdAt.getTime() >= intervalMinutes * 60_000;
}

/**
 * Signs the chain head with the active signing key (a JWS verifiable against /jwks), so an
 * auditor holding a checkpoint can prove what existed at that time even against someone who
 * rewrites the whole table. Periodic checkpoints are cluster-wide (one instance at a time,
 * decided from the stored checkpoints); on-demand ones are admin acts, audited in the same
 * transaction as their row.
 */
@Injectable()
export class AuditCheckpointService {
  private readonly logger = new Logger(AuditCheckpointService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_CLOCK) private readonly clock: AuditClock,
    private readonly repo: AuditRepository,
    @Inject(AUDIT_SIGNER) private readonly keys: AuditSigner,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
    private readonly locks: AdvisoryLockService,
  ) {}

  async createOnDemand(actor: EventActor): Promise<StoredCheckpoint> {
    const head = await this.repo.head();
    if (!head) throw new AuditError(AuditErrorCode.EMPTY_TRAIL, 'the audit trail has no record to sign');
    const checkpoint = await this.sign('on_demand', head);
    await this.uow.run(async (tx) => {
      await this.repo.insertCheckpoint(checkpoint, tx);
      await this.bus.publish(
        'audit.checkpoint.created',
        { checkpointId: checkpoint.id, kind: 'on_demand', seq: checkpoint.seq, hash: checkpoint.hash, kid: checkpoint.kid },
        { actor, tx },
      );
    });
    return checkpoint;
  }

  /** Called by the job on every instance; idempotent and safe when several run at once. */
  async createPeriodicIfDue(): Promise<StoredCheckpoint | null> {
    const outcome = await this.locks.tryWithLock('caduceus:audit-checkpoint', async () => {
      const [latest, head] = await Promise.all([this.repo.latestCheckpoint(['periodic', 'on_demand']), this.repo.head()]);
      if (!checkpointDue(latest, head, this.clock.now(), this.config.audit.checkpointIntervalMinutes)) return null;
      const checkpoint = await this.sign('periodic', head!);
      await this.repo.insertCheckpoint(checkpoint);
      this.logger.log({ seq: checkpoint.seq, id: checkpoint.id }, 'signed an audit checkpoint');
      return checkpoint;
    });
    return outcome.ran ? outcome.result : null;
  }

  /** A tombstone for a purge of records purgedFromSeq..point.seq, written inside the purge's transaction. */
  async writeTombstone(point: ChainPoint, purgedFromSeq: number, tx: Transaction): Promise<StoredCheckpoint> {
    const checkpoint = await this.sign('tombstone', point, purgedFromSeq);
    await this.repo.insertCheckpoint(checkpoint, tx);
    return checkpoint;
  }

  /** Signs before any transaction opens: signing reads keys through their own connection. */
  async sign(kind: CheckpointKind, point: ChainPoint, purgedFromSeq?: number): Promise<StoredCheckpoint> {
    const id = randomUUID();
    const createdAt = this.clock.now();
    const claims: CheckpointClaims = {
      iss: this.config.issuer,
      jti: id,
      kind,
      seq: point.seq,
      hash: point.hash,
      iat: Math.floor(createdAt.getTime() / 1000),
      ...(purgedFromSeq !== undefined ? { purgedFromSeq } : {}),
    };
    let jws: string;
    try {
      jws = await this.keys.signJws(claims, CHECKPOINT_TYP);
    } catch (cause) {
      throw new AuditError(AuditErrorCode.SIGNING_FAILED, 'the checkpoint could not be signed', { cause });
    }
    const kid = decodeProtectedHeader(jws).kid ?? '';
    return { id, kind, seq: point.seq, hash: point.hash, createdAt, kid, jws, purgedFromSeq: purgedFromSeq ?? null };
  }

  async find(id: string): Promise<StoredCheckpoint> {
    const checkpoint = await this.repo.findCheckpoint(id);
    if (!checkpoint) throw new AuditError(AuditErrorCode.CHECKPOINT_NOT_FOUND, `no checkpoint ${id}`);
    return checkpoint;
  }

  list(opts: { limit: number; before?: { createdAt: Date; id: string } }): Promise<StoredCheckpoint[]> {
    return this.repo.listCheckpoints(opts);
  }
}
