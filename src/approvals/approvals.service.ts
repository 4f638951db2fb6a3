import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { adminEventContext, type AdminEventContext, type AdminRequest, type AdminRole } from '../admin/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { openAct, sealAct } from './approval-seal.js';
import {
  APPROVAL_SECRET_SOURCE,
  APPROVER_DIRECTORY,
  DUAL_CONTROL_SWITCH,
  type ApprovalSecretSource,
  type ApproverDirectory,
  type DualControlSwitch,
} from './approvals-ports.js';
import { ApprovalsError, ApprovalsErrorCode } from './approvals.errors.js';
import { ApprovalsRepository, type ApprovalStatus, type StoredApproval } from './approvals.repository.js';

/** How long a pending change waits for a second super-admin. */
export const APPROVAL_TTL_MS = 24 * 3600 * 1000;

/** How long a claimed change may stay `executing` before it counts as interrupted (an act takes seconds). */
export const APPROVAL_EXECUTION_TIMEOUT_MS = 10 * 60 * 1000;

/** Who approves carries out the act: their event context, their roles, and who asked for it. */
export interface ApprovedContext extends AdminEventContext {
  approvalId: string;
  requestedBy: EventActor;
  approverRoles: AdminRole[];
}

/** Carries out a stored act exactly as the route would have; returns the route's response body. */
export type ApprovalExecutor = (act: any, context: ApprovedContext) => Promise<unknown>;

export interface HighRiskAct {
  /** `<module>.<act>`, e.g. `keys.import`; an executor for it must be registered. */
  kind: string;
  /** One line for the approver: what will happen. */
  summary: string;
  /** What the approver is shown (never key material or a password). */
  details: Record<string, unknown>;
  /** Everything the executor needs, sealed at rest. */
  act: unknown;
}

export type Approval = Omit<StoredApproval, 'sealedAct' | 'approvers' | 'claimedAt'>;

/**
 * Dual control (four-eyes) for high-risk admin acts. Rules: while the dualControl policy is
 * on, a high-risk act becomes a pending change (`gate` returns it; the route answers 202); a
 * super-admin other than the requester approves it, which carries the act out with the
 * approver as actor and both recorded in approval.approved, or rejects it; it expires 24 h
 * after the request (checked on every read and decision), after which it cannot be approved.
 */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger(ApprovalsService.name);
  private readonly executors = new Map<string, ApprovalExecutor>();

  constructor(
    private readonly repo: ApprovalsRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
    @Inject(DUAL_CONTROL_SWITCH) private readonly dualControl: DualControlSwitch,
    @Inject(APPROVAL_SECRET_SOURCE) private readonly secrets: ApprovalSecretSource,
    @Inject(APPROVER_DIRECTORY) private readonly approvers: ApproverDirectory,
  ) {}

  /** Each module that owns a high-risk act registers how to carry it out (at startup, on every instance). */
  register(kind: string, executor: ApprovalExecutor): void {
    this.executors.set(kind, executor);
  }

  async dualControlOn(): Promise<boolean> {
    return this.dualControl.dualControlOn();
  }

  /** The pending change when dual control is on (the caller answers 202), or null: go ahead. */
  async gate(request: AdminRequest, act: HighRiskAct): Promise<Approval | null> {
    if (!(await this.dualControlOn())) return null;
    if (!this.executors.has(act.kind)) throw new Error(`no executor registered for ${act.kind}`);
    const { actor, correlationId } = adminEventContext(request);
    const id = randomUUID();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + APPROVAL_TTL_MS);
    const sealedAct = sealAct(await this.secrets.sealingKey(), id, act.act);
    // Who may approve it: the super-admins of this moment, each with a mark of their credentials.
    const approvers = (await this.approvers.superAdmins()).map((a) => ({ type: a.type, id: a.id, credentials: a.credentials }));
    const stored = { id, kind: act.kind, summary: act.summary, details: act.details, sealedAct, requestedBy: actor, requestedAt: now, expiresAt, approvers };
    await this.uow.run(async (tx) => {
      await this.repo.insert(stored, tx);
      await this.bus.publish(
        'approval.requested',
        { approvalId: id, kind: act.kind, summary: act.summary, details: act.details, expiresAt: expiresAt.toISOString() },
        { actor, correlationId, tx },
      );
    });
    const { sealedAct: _sealed, approvers: _approvers, ...approval } = stored;
    return { ...approval, status: 'pending', decidedBy: null, decidedAt: null, reason: null };
  }

  async list(limit: number, status?: ApprovalStatus, before?: { requestedAt: string; id: string }): Promise<Approval[]> {
    await this.expireDue();
    return (await this.repo.list(limit, status, before)).map(withoutAct);
  }

  async get(id: string): Promise<Approval> {
    await this.expireDue();
    return withoutAct(await this.find(id));
  }

  /** Approves and carries out the act; returns the approval and what the act's route would have answered. */
  async approve(id: string, request: AdminRequest): Promise<{ approval: Approval; result: unknown }> {
    await this.expireDue();
    const context = adminEventContext(request);
    const pending = await this.find(id);
    this.refuseOwn(pending, context.actor);
    if (pending.status === 'pending') await this.refuseIneligible(pending, context);
    const claimed = await this.repo.claim(id, new Date());
    if (!claimed) throw notPending(await this.find(id));
    const executor = this.executors.get(claimed.kind);
    let result: unknown;
    try {
      if (!executor) throw new ApprovalsError(ApprovalsErrorCode.UNKNOWN_KIND, `this service cannot carry out a ${claimed.kind}`);
      const act = openAct(await this.secrets.sealingKey(), id, claimed.sealedAct);
      result = await executor(act, { ...context, approvalId: id, requestedBy: claimed.requestedBy as EventActor, approverRoles: request.admin!.roles });
    } catch (err) {
      // Nothing was done (a precondition failed, a conflict): it stays pending, to be retried or rejected.
      await this.repo.release(id);
      await this.bus.publish(
        'approval.failed',
        { approvalId: id, kind: claimed.kind, summary: claimed.summary, requestedBy: claimed.requestedBy, error: errorCodeOf(err) },
        { actor: context.actor, correlationId: context.correlationId },
      );
      throw err;
    }
    const approved = await this.uow.run(async (tx) => {
      const decided = await this.repo.decide(id, 'executing', 'approved', context.actor, new Date(), null, tx);
      if (!decided) throw new Error(`approval ${id} left the executing state while it ran`);
      await this.bus.publish(
        'approval.approved',
        { approvalId: id, kind: decided.kind, summary: decided.summary, requestedBy: decided.requestedBy, approvedBy: context.actor },
        { actor: context.actor, correlationId: context.correlationId, tx },
      );
      return decided;
    });
    return { approval: withoutAct(approved), result };
  }

  async reject(id: string, reason: string | null, request: AdminRequest): Promise<Approval> {
    await this.expireDue();
    const context = adminEventContext(request);
    this.refuseOwn(await this.find(id), context.actor);
    return withoutAct(
      await this.uow.run(async (tx) => {
        const decided = await this.repo.decide(id, 'pending', 'rejected', context.actor, new Date(), reason, tx);
        if (!decided) throw notPending(await this.find(id));
        await this.bus.publish(
          'approval.rejected',
          { approvalId: id, kind: decided.kind, summary: decided.summary, requestedBy: decided.requestedBy, reason },
          { actor: context.actor, correlationId: context.correlationId, tx },
        );
        return decided;
      }),
    );
  }

  /**
   * Marks every pending change older than 24 h expired, and every change claimed more than
   * APPROVAL_EXECUTION_TIMEOUT_MS ago and still executing (its instance died) failed, audited once
   * each (idempotent, safe on every instance). Runs on every read and decision.
   */
  async expireDue(now = new Date()): Promise<number> {
    return this.uow.run(async (tx) => {
      const expired = await this.repo.expireDue(now, tx);
      for (const a of expired) {
        await this.bus.publish('approval.expired', { approvalId: a.id, kind: a.kind, summary: a.summary, requestedBy: a.requestedBy }, { tx });
      }
      if (expired.length) this.logger.log({ count: expired.length }, 'pending changes expired');
      const interrupted = await this.repo.failInterrupted(new Date(now.getTime() - APPROVAL_EXECUTION_TIMEOUT_MS), now, tx);
      for (const a of interrupted) {
        await this.bus.publish(
          'approval.interrupted',
          { approvalId: a.id, kind: a.kind, summary: a.summary, requestedBy: a.requestedBy, claimedAt: a.claimedAt?.toISOString() ?? null },
          { tx },
        );
      }
      if (interrupted.length) this.logger.warn({ count: interrupted.length, ids: interrupted.map((a) => a.id) }, 'approved changes interrupted while being carried out: marked failed');
      return expired.length + interrupted.length;
    });
  }

  /**
   * The second pair of eyes must have been there before the request: an approver counts only if
   * they held super-admin when the change was requested and their credentials (a person's
   * version, a client's secret and keys) are the same now, so one super-admin cannot mint or
   * seize a second one and approve their own change. A refusal is audited as approval.failed.
   */
  private async refuseIneligible(approval: StoredApproval, context: AdminEventContext): Promise<void> {
    const then = approval.approvers.find((a) => a.type === context.actor.type && a.id === context.actor.id);
    let refusal: ApprovalsError | undefined;
    if (!then) {
      refusal = new ApprovalsError(
        ApprovalsErrorCode.APPROVER_NOT_ELIGIBLE,
        'you did not hold super-admin when this change was requested: a super-admin who did must approve it',
      );
    } else {
      const now = (await this.approvers.superAdmins()).find((a) => a.type === then.type && a.id === then.id);
      if (!now || now.credentials !== then.credentials) {
        refusal = new ApprovalsError(
          ApprovalsErrorCode.APPROVER_CREDENTIALS_CHANGED,
          'your credentials changed since this change was requested: another super-admin must approve it',
        );
      }
    }
    if (!refusal) return;
    await this.bus.publish(
      'approval.failed',
      { approvalId: approval.id, kind: approval.kind, summary: approval.summary, requestedBy: approval.requestedBy, error: refusal.code },
      { actor: context.actor, correlationId: context.correlationId },
    );
    throw refusal;
  }

  private async find(id: string): Promise<StoredApproval> {
    const found = await this.repo.find(id);
    if (!found) throw new ApprovalsError(ApprovalsErrorCode.APPROVAL_NOT_FOUND, `no approval ${id}`);
    return found;
  }

  /** Four eyes: whoever asked for a change never decides it, whatever roles they hold. */
  private refuseOwn(approval: StoredApproval, actor: EventActor): void {
    if (approval.requestedBy.type === actor.type && approval.requestedBy.id === actor.id) {
      throw new ApprovalsError(ApprovalsErrorCode.OWN_REQUEST, 'you requested this change: another super-admin must approve or reject it');
    }
  }
}

function withoutAct({ sealedAct: _sealed, approvers: _approvers, claimedAt: _claimed, ...approval }: StoredApproval): Approval {
  return approval;
}

function notPending(a: StoredApproval): ApprovalsError {
  return new ApprovalsError(ApprovalsErrorCode.NOT_PENDING, `the approval is ${a.status === 'executing' ? 'being carried out' : a.status}, not pending`);
}

/** What refused the act, for the audit trail: a domain error's code (never its text, which may quote input). */
function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : err instanceof Error ? err.name : 'unknown';
}
