import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dual control (#17): a high-risk admin act, while the dualControl policy is on, waits here as a
 * pending change until a second super-admin approves or rejects it (or it expires after 24 h).
 * The act itself (it may hold key material or a password) is sealed; `details` is what an
 * approver is shown.
 */
export class AdminApprovals1796298917722 implements MigrationInterface {
  name = 'AdminApprovals1796298917722';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_approvals (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        summary text NOT NULL,
        details jsonb NOT NULL,
        sealed_act text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'executing', 'approved', 'rejected', 'expired')),
        requested_by_type text NOT NULL,
        requested_by_id text NOT NULL,
        requested_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        decided_by_type text,
        decided_by_id text,
        decided_at timestamptz,
        reason text
      )`);
    await q.query(`CREATE INDEX admin_approvals_pending ON admin_approvals (expires_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX admin_approvals_requested ON admin_approvals (requested_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE admin_approvals`);
  }
}
