import { Inject, Injectable } from '@nestjs/common';
import { preconditionFailed } from '../admin/index.js';
import { moveUserVersion } from '../identity/index.js';
import { DATABASE, managerFor, rowsOf, type OpenedDatabase, type Transaction } from '../database/index.js';
import { MfaFactorEntity } from './entities/mfa-factor.entity.js';
import { RecoveryCodeEntity } from './entities/recovery-code.entity.js';

export interface StoredFactor {
  id: string;
  userId: string;
  type: 'totp' | 'webauthn';
  label: string;
  confirmed: boolean;
  sealedSecret: string | null;
  lastStep: number | null;
  credentialId: string | null;
  publicKey: string | null;
  signCount: number | null;
  transports: string[] | null;
  deviceType: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface FactorRow {
  id: string;
  user_id: string;
  type: 'totp' | 'webauthn';
  label: string;
  confirmed: boolean;
  sealed_secret: string | null;
  last_step: string | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: string | null;
  transports: string[] | null;
  device_type: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

function toStored(e: MfaFactorEntity): StoredFactor {
  return {
    ...e,
    lastStep: e.lastStep === null ? null : Number(e.lastStep),
    signCount: e.signCount === null ? null : Number(e.signCount),
  };
}

@Injectable()
export class MfaRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get factors() {
    return this.db.dataSource.getRepository(MfaFactorEntity);
  }

  /** Stores a factor; one stored confirmed (a passkey) moves the user's version on, as confirmFactor does. */
  async insertFactor(f: StoredFactor, tx?: Transaction): Promise<void> {
    const write = async (em: ReturnType<typeof managerFor>) => {
      await em.getRepository(MfaFactorEntity).insert({
        ...f,
        lastStep: f.lastStep === null ? null : String(f.lastStep),
        signCount: f.signCount === null ? null : String(f.signCount),
      });
      if (f.confirmed) await moveUserVersion(em, f.userId);
    };
    if (tx) return write(managerFor(this.db, tx));
    await this.db.dataSource.transaction(write);
  }

  /**
   * A user's factors, oldest first. Plain SQL: a sign-in reads them at each of its steps, and
   * TypeORM's query building and entity mapping cost the service more CPU than the statement.
   */
  async findFactors(userId: string, opts: { confirmedOnly?: boolean } = {}): Promise<StoredFactor[]> {
    const rows: FactorRow[] = await this.db.dataSource.query(
      `SELECT id, user_id, type, label, confirmed, sealed_secret, last_step, credential_id, public_key, sign_count,
              transports, device_type, created_at, last_used_at
       FROM mfa_factors WHERE user_id = $1${opts.confirmedOnly ? ' AND confirmed' : ''} ORDER BY created_at ASC`,
      [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      type: r.type,
      label: r.label,
      confirmed: r.confirmed,
      sealedSecret: r.sealed_secret,
      lastStep: r.last_step === null ? null : Number(r.last_step),
      credentialId: r.credential_id,
      publicKey: r.public_key,
      signCount: r.sign_count === null ? null : Number(r.sign_count),
      transports: r.transports,
      deviceType: r.device_type,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  async findFactor(id: string): Promise<StoredFactor | null> {
    const row = await this.factors.findOne({ where: { id } });
    return row ? toStored(row) : null;
  }

  async findByCredentialId(credentialId: string): Promise<StoredFactor | null> {
    const row = await this.factors.findOne({ where: { credentialId } });
    return row ? toStored(row) : null;
  }

  /** Abandoned enrolments (a TOTP secret never confirmed) go once another factor is in place. */
  async deleteUnconfirmed(userId: string, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).getRepository(MfaFactorEntity).delete({ userId, confirmed: false });
  }

  /**
   * Confirms a pending factor, once: false when it was not pending (confirmed by a concurrent
   * request, or gone). A confirmed factor is a new way to sign in: the user's version (ETag)
   * moves on with it, in the same transaction.
   */
  async confirmFactor(id: string, tx: Transaction): Promise<boolean> {
    const em = managerFor(this.db, tx);
    const rows: unknown = await em.query(`UPDATE mfa_factors SET confirmed = true WHERE id = $1 AND NOT confirmed RETURNING user_id`, [id]);
    const userId = (rowsOf(rows) as Array<{ user_id: string }>)[0]?.user_id;
    if (userId) await moveUserVersion(em, userId);
    return Boolean(userId);
  }

  /** Accepts a TOTP step only if it is later than the last accepted one (atomic: no replay race). */
  async acceptStep(factorId: string, step: number, tx?: Transaction): Promise<boolean> {
    const result = await managerFor(this.db, tx).query(
      `UPDATE mfa_factors SET last_step = $2, last_used_at = now()
       WHERE id = $1 AND (last_step IS NULL OR last_step < $2) RETURNING id`,
      [factorId, step],
    );
    const rows = Array.isArray(result[0]) ? result[0] : result;
    return rows.length === 1;
  }

  /** Stores the new counter only if it grew (a cloned authenticator shows up as a non-increasing count). */
  async updateSignCount(factorId: string, count: number): Promise<void> {
    await this.factors.update({ id: factorId }, { signCount: String(count), lastUsedAt: new Date() });
  }

  async deleteFactor(userId: string, factorId: string): Promise<StoredFactor | null> {
    const factor = await this.factors.findOne({ where: { id: factorId, userId } });
    if (!factor) return null;
    await this.factors.delete({ id: factorId });
    return toStored(factor);
  }

  /** Replaces the user's recovery codes in one transaction: the old set stops working at once. */
  async replaceRecoveryCodes(userId: string, hashes: string[], tx?: Transaction): Promise<void> {
    const now = new Date();
    const write = async (em: ReturnType<typeof managerFor>) => {
      await em.getRepository(RecoveryCodeEntity).delete({ userId });
      await em.getRepository(RecoveryCodeEntity).insert(hashes.map((codeHash) => ({ codeHash, userId, usedAt: null, createdAt: now })));
    };
    if (tx) return write(managerFor(this.db, tx));
    await this.db.dataSource.transaction(write);
  }

  /** Marks a code used if it is the user's and unused; true exactly once per code. */
  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const result = await this.db.dataSource.query(
      `UPDATE mfa_recovery_codes SET used_at = now() WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL RETURNING code_hash`,
      [codeHash, userId],
    );
    const rows = Array.isArray(result[0]) ? result[0] : result;
    return rows.length === 1;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    const rows: Array<{ n: string }> = await this.db.dataSource.query(
      'SELECT count(*) AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Removes every factor and recovery code of the user (admin reset); returns how many factors
   * went. With `expectedVersion` (the user as the administrator's permission was checked on),
   * nothing is removed (412) if the user changed since, a role granted above all.
   */
  async deleteAll(userId: string, tx: Transaction, expectedVersion?: number): Promise<number> {
    const em = managerFor(this.db, tx);
    if (!(await moveUserVersion(em, userId, expectedVersion))) throw preconditionFailed();
    const removed = await em.getRepository(MfaFactorEntity).delete({ userId });
    await em.getRepository(RecoveryCodeEntity).delete({ userId });
    return removed.affected ?? 0;
  }
}
