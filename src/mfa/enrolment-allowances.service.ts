import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';
import { EventBus, type BusEvent, type EventDelivery } from '../events/index.js';
import { MfaService } from './mfa.service.js';

/** The allowance is for the person's next sign-in after the link, not for a week. */
export const ENROLMENT_ALLOWANCE_TTL_SECONDS = 24 * 3600;

/**
 * MFA_ENROLMENT=invite-only, the link path: a person who sets their password through an
 * invitation or reset link (`user.password.changed` with reason `set`, only ever sent by the
 * link) and has no factor may enrol a first one at sign-in without a code. Rules: one
 * allowance per user, recorded in the password's unit of work, valid 24 hours; a sign-in
 * finding it expired drops it (audited refused); enrolling a factor spends it (audited used).
 * A password an administrator sets directly records nothing.
 */
@Injectable()
export class EnrolmentAllowancesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly mfa: MfaService,
    private readonly bus: EventBus,
  ) {}

  @OnEvent('user.password.changed', { async: true, promisify: true, suppressErrors: false })
  async onPasswordChanged(event: BusEvent<'user.password.changed'>, delivery?: EventDelivery): Promise<void> {
    if (event.payload.reason !== 'set' || this.config.mfa.enrolment !== 'invite-only') return;
    const userId = event.payload.userId;
    if (await this.mfa.hasFactor(userId)) return;
    await this.grant(userId, delivery?.tx);
  }

  /** A factor was enrolled (at sign-in or anywhere): the allowance, if any, is spent. */
  @OnEvent('mfa.enrolled', { async: true, promisify: true, suppressErrors: false })
  async onEnrolled(event: BusEvent<'mfa.enrolled'>, delivery?: EventDelivery): Promise<void> {
    const userId = event.payload.userId;
    const deleted = await managerFor(this.db, delivery?.tx).query(`DELETE FROM mfa_enrolment_allowances WHERE user_id = $1 RETURNING 1`, [userId]);
    if (rowsOf(deleted).length === 1) await this.bus.publish('mfa.enrolment_allowance.used', { userId }, { actor: { type: 'user', id: userId }, tx: delivery?.tx });
  }

  /**
   * True when the user holds a live allowance (the sign-in may then open enrolment). An expired
   * one is removed and its refusal audited, once.
   */
  async claim(userId: string): Promise<boolean> {
    const rows: Array<{ live: boolean }> = await this.db.dataSource.query(`SELECT expires_at > now() AS live FROM mfa_enrolment_allowances WHERE user_id = $1`, [userId]);
    if (!rows[0]) return false;
    if (rows[0].live) return true;
    const deleted = await this.db.dataSource.query(`DELETE FROM mfa_enrolment_allowances WHERE user_id = $1 AND expires_at <= now() RETURNING 1`, [userId]);
    if (rowsOf(deleted).length === 1) {
      await this.bus.publish('mfa.enrolment_allowance.refused', { userId, reason: 'expired' }, { actor: { type: 'user', id: userId } });
    }
    return false;
  }

  private async grant(userId: string, tx?: Transaction, now = new Date()): Promise<void> {
    const expiresAt = new Date(now.getTime() + ENROLMENT_ALLOWANCE_TTL_SECONDS * 1000);
    await managerFor(this.db, tx).query(
      `INSERT INTO mfa_enrolment_allowances (user_id, created_at, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
      [userId, now, expiresAt],
    );
    await this.bus.publish('mfa.enrolment_allowance.granted', { userId, expiresAt: expiresAt.toISOString() }, { actor: { type: 'user', id: userId }, tx });
  }
}

