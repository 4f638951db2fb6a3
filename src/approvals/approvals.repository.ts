import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';

export type ApprovalStatus = 'pending' | 'executing' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface Party {
  type: string;
  id: string;
}

/** A super-admin who could approve a change when it was requested, and a mark of their credentials then. */
export interface EligibleApprover extends Party {
  credentials: string;
}

export interface StoredApproval {
  id: string;
  kind: string;
  summary: string;
  details: Record<string, unknown>;
  sealedAct: string;
  status: ApprovalStatus;
  requestedBy: Party;
  requestedAt: Date;
  expiresAt: Date;
  decidedBy: Party | null;
  decidedAt: Date | null;
  reason: string | null;
  /** Who held super-admin when the change was requested (the only ones who may approve it). */
  approvers: EligibleApprover[];
  claimedAt: Date | null;
}

type Row = {
  id: string;
  kind: string;
  summary: string;
  details: Record<string, unknown>;
  sealed_act: string;
  status: ApprovalStatus;
  requested_by_type: string;
  requested_by_id: string;
  requested_at: Date;
  expires_at: Date;
  decided_by_type: string | null;
  decided_by_id: string | null;
  decided_at: Date | null;
  reason: string | null;
  approvers: EligibleApprover[] | null;
  claimed_at: Date | null;
};

const toApproval = (r: Row): StoredApproval => ({
  id: r.id,
  kind: r.kind,
  summary: r.summary,
  details: r.details,
  sealedAct: r.sealed_act,
  status: r.status,
  requestedBy: { type: r.requested_by_type, id: r.requested_by_id },
  requestedAt: r.requested_at,
  expiresAt: r.expires_at,
  decidedBy: r.decided_by_type && r.decided_by_id ? { type: r.decided_by_type, id: r.decided_by_id } : null,
  decidedAt: r.decided_at,
  reason: r.reason,
  approvers: r.approvers ?? [],
  claimedAt: r.claimed_at,
});

/** The admin_approvals table: pending changes and their decisions. Status moves by compare-and-swap only. */
@Injectable()
export class ApprovalsRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async insert(a: Omit<StoredApproval, 'status' | 'decidedBy' | 'decidedAt' | 'reason' | 'claimedAt'>, tx: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO admin_approvals (id, kind, summary, details, sealed_act, status, requested_by_type, requested_by_id, requested_at, expires_at, approvers)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10)`,
      [a.id, a.kind, a.summary, JSON.stringify(a.details), a.sealedAct, a.requestedBy.type, a.requestedBy.id, a.requestedAt, a.expiresAt, JSON.stringify(a.approvers)],
    );
  }

  async find(id: string): Promise<StoredApproval | null> {
    const rows: Row[] = await this.db.dataSource.query(`SELECT * FROM admin_approvals WHERE id = $1`, [id]);
    return rows[0] ? toApproval(rows[0]) : null;
  }

  /** Newest first; `before` is the (requested_at, id) of the last row of the previous page. */
  async list(limit: number, status: ApprovalStatus | undefined, before?: { requestedAt: string; id: string }): Promise<StoredApproval[]> {
    const rows: Row[] = await this.db.dataSource.query(
      `SELECT * FROM admin_approvals
       WHERE ($1::text IS NULL OR status = $1)
         AND ($2::timestamptz IS NULL OR (requested_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY requested_at DESC, id DESC LIMIT $4`,
      [status ?? null, before?.requestedAt ?? null, before?.id ?? null, limit],
    );
    return rows.map(toApproval);
  }

  /** Pending changes whose 24 hours are over, marked expired (each row once, whichever instance gets it). */
  async expireDue(now: Date, tx: Transaction): Promise<StoredApproval[]> {
    const result: unknown = await managerFor(this.db, tx).query(
      `UPDATE admin_approvals SET status = 'expired', decided_at = $1
       WHERE status = 'pending' AND expires_at <= $1 RETURNING *`,
      [now],
    );
    return rowsOf<Row>(result).map(toApproval);
  }

  /** pending → executing, only while unexpired: one approver wins, the act runs once. */
  async claim(id: string, now: Date): Promise<StoredApproval | null> {
    const result: unknown = await this.db.dataSource.query(
      `UPDATE admin_approvals SET status = 'executing', claimed_at = $2 WHERE id = $1 AND status = 'pending' AND expires_at > $2 RETURNING *`,
      [id, now],
    );
    const row = rowsOf<Row>(result)[0];
    return row ? toApproval(row) : null;
  }

  /** executing → pending again: the act failed (a precondition, a conflict), nothing was done. */
  async release(id: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE admin_approvals SET status = 'pending', claimed_at = NULL WHERE id = $1 AND status = 'executing'`, [id]);
  }

  /**
   * executing → failed for changes claimed before `claimedBefore`: the instance carrying one out
   * died between the claim and the decision. Whether the act ran is unknown, so it is never run
   * again from here; the requester asks anew if it is still wanted.
   */
  async failInterrupted(claimedBefore: Date, now: Date, tx: Transaction): Promise<StoredApproval[]> {
    const result: unknown = await managerFor(this.db, tx).query(
      `UPDATE admin_approvals SET status = 'failed', decided_at = $2, reason = 'interrupted while being carried out'
       WHERE status = 'executing' AND COALESCE(claimed_at, requested_at) < $1 RETURNING *`,
      [claimedBefore, now],
    );
    return rowsOf<Row>(result).map(toApproval);
  }

  async decide(id: string, from: ApprovalStatus, to: 'approved' | 'rejected', by: Party, now: Date, reason: string | null, tx: Transaction): Promise<StoredApproval | null> {
    const result: unknown = await managerFor(this.db, tx).query(
      `UPDATE admin_approvals SET status = $3, decided_by_type = $4, decided_by_id = $5, decided_at = $6, reason = $7
       WHERE id = $1 AND status = $2 RETURNING *`,
      [id, from, to, by.type, by.id, now, reason],
    );
    const row = rowsOf<Row>(result)[0];
    return row ? toApproval(row) : null;
  }
}

