import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dual control (#17 follow-up): a pending change records who could approve it when it was
 * requested (each super-admin then, with a mark of their credentials), so that a super-admin
 * minted or seized afterwards cannot be the second pair of eyes; and when an approver claimed
 * it, so that a change left `executing` by a crash is found and marked `failed`.
 */
export class ApprovalApprovers1796302400000 implements MigrationInterface {
  name = 'ApprovalApprovers1796302400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE admin_approvals ADD COLUMN approvers jsonb NOT NULL DEFAULT '[]'::jsonb, ADD COLUMN claimed_at timestamptz`);
    await q.query(`ALTER TABLE admin_approvals DROP CONSTRAINT admin_approvals_status_check`);
    await q.query(
      `ALTER TABLE admin_approvals ADD CONSTRAINT admin_approvals_status_check CHECK (status IN ('pending', 'executing', 'approved', 'rejected', 'expired', 'failed'))`,
    );
    await q.query(`CREATE INDEX admin_approvals_executing ON admin_approvals (claimed_at) WHERE status = 'executing'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX admin_approvals_executing`);
    await q.query(`UPDATE admin_approvals SET status = 'expired' WHERE status = 'failed'`);
    await q.query(`ALTER TABLE admin_approvals DROP CONSTRAINT admin_approvals_status_check`);
    await q.query(`ALTER TABLE admin_approvals ADD CONSTRAINT admin_approvals_status_check CHECK (status IN ('pending', 'executing', 'approved', 'rejected', 'expired'))`);
    await q.query(`ALTER TABLE admin_approvals DROP COLUMN approvers, DROP COLUMN claimed_at`);
  }
}
