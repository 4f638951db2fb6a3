import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { preconditionFailed } from '../admin/index.js';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { KeysService } from '../keys/index.js';
import { moveUserVersion } from '../identity/index.js';
import { normaliseRecoveryCode } from './mfa.service.js';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** An enrolment code is for the person's next sign-in, not for a week. */
export const ENROLMENT_CODE_TTL_SECONDS = 24 * 3600;

/**
 * MFA_ENROLMENT=invite-only: one-time codes an administrator issues so a person may enrol a
 * first second factor at sign-in. Stored as an HMAC under the server's pepper, one live code
 * per user (a new one replaces the old), single use, every issue and use audited.
 */
@Injectable()
export class EnrolmentCodesService {
  constructor(
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
  ) {}

  /** With `expectedVersion` (the user as the permission was checked on): 412, nothing issued, if the user changed since. */
  async issue(userId: string, actor: EventActor, opts: { now?: Date; expectedVersion?: number } = {}): Promise<{ code: string; expiresAt: Date }> {
    const now = opts.now ?? new Date();
    const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const code = `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
    const expiresAt = new Date(now.getTime() + ENROLMENT_CODE_TTL_SECONDS * 1000);
    const codeHash = await this.hash(code);
    await this.db.dataSource.transaction(async (em) => {
      // A way to enrol a factor is a credential change: the user's version (ETag) moves on, first, so it is a compare-and-swap.
      if (!(await moveUserVersion(em, userId, opts.expectedVersion))) throw preconditionFailed();
      await em.query(
        `INSERT INTO mfa_enrolment_codes (user_id, code_hash, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, issued_by = EXCLUDED.issued_by, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
        [userId, codeHash, `${actor.type}:${actor.id}`, now, expiresAt],
      );
    });
    await this.bus.publish('mfa.enrolment_code.issued', { userId, expiresAt: expiresAt.toISOString() }, { actor });
    return { code, expiresAt };
  }

  /** The user has a live, unused code (the sign-in then offers the enrolment-code form). */
  async pending(userId: string): Promise<boolean> {
    const rows = await this.db.dataSource.query(`SELECT 1 FROM mfa_enrolment_codes WHERE user_id = $1 AND expires_at > now()`, [userId]);
    return rows.length > 0;
  }

  /** True exactly once for the right, live code; the code is gone afterwards. */
  async redeem(userId: string, presented: string): Promise<boolean> {
    const rows: Array<{ code_hash: string }> = await this.db.dataSource.query(
      `SELECT code_hash FROM mfa_enrolment_codes WHERE user_id = $1 AND expires_at > now()`,
      [userId],
    );
    const stored = rows[0]?.code_hash;
    const given = Buffer.from(await this.hash(presented));
    if (!stored || stored.length !== given.length || !timingSafeEqual(Buffer.from(stored), given)) {
      await this.bus.publish('mfa.enrolment_code.refused', { userId }, { actor: { type: 'user', id: userId } });
      return false;
    }
    const deleted = await this.db.dataSource.query(`DELETE FROM mfa_enrolment_codes WHERE user_id = $1 AND code_hash = $2 RETURNING 1`, [userId, stored]);
    const taken = (Array.isArray(deleted[0]) ? deleted[0] : deleted).length === 1;
    if (taken) await this.bus.publish('mfa.enrolment_code.used', { userId }, { actor: { type: 'user', id: userId } });
    return taken;
  }

  private async hash(code: string): Promise<string> {
    return createHmac('sha256', await this.keys.getSecret('mfa-recovery-pepper')).update(`enrolment|${normaliseRecoveryCode(code)}`).digest('base64url');
  }
}
