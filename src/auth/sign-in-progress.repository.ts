import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import type { BusEvent, EventDelivery } from '../events/index.js';
import type { EmergencyChallenge, SignInRecord } from '../common/interaction.js';
import { SignInProgressEntity } from './entities/sign-in-progress.entity.js';
import { FIRST_FACTORS, factorsOf, type Factor, type Stage } from './flow/sign-in-state.js';

export interface SignInProgress extends SignInRecord {
  interactionUid: string;
  userId: string;
  /** The amr the login will carry (the first step's, plus an enrolled factor's). */
  amr: string[];
  /** Factors proven in this interaction: what the stage is computed from. */
  proven: Factor[];
  /** The stage the dispatcher last found this sign-in at. */
  stage: Stage;
  mfaFailures: number;
  webauthnChallenge: string | null;
  enrolmentFactorId: string | null;
  recoveryCodesShown: boolean;
  /** A factor was enrolled and proven in this interaction. */
  factorEnrolled: boolean;
  /** MFA_ENROLMENT=invite-only: an administrator's enrolment code was presented in this interaction. */
  enrolmentAllowed: boolean;
  /** An emergency sign-in: its reason and the factor it asks for (the emergency_challenge stage). */
  emergency: EmergencyChallenge | null;
}

/** The sign-in state row: where a sign-in stands between its first and second factor; rows expire with the interaction. */
@Injectable()
export class SignInProgressRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get rows() {
    return this.db.dataSource.getRepository(SignInProgressEntity);
  }

  /**
   * A first factor was proven and a second one is due. Only the first factors of `amr` count as
   * proven here (a step-up's earlier second factor, or an upstream's, is not proven in this interaction).
   * An emergency sign-in proves `emergency` (the emergency password and reason) and nothing else:
   * its password opens no other stage than the emergency challenge.
   */
  async start(interactionUid: string, userId: string, amr: string[], ttlSeconds: number, emergency?: EmergencyChallenge): Promise<void> {
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const proven: Factor[] = emergency ? ['emergency'] : factorsOf(amr).filter((f) => FIRST_FACTORS.includes(f));
    // Plain SQL on every sign-in's path (as find below): TypeORM's upsert builds more than it sends.
    await this.db.dataSource.query(
      `INSERT INTO sign_in_progress (interaction_uid, user_id, amr, proven, stage, mfa_failures, webauthn_challenge, enrolment_factor_id,
         recovery_codes_shown, factor_enrolled, enrolment_allowed, emergency_justification, emergency_factor, expires_at)
       VALUES ($1, $2, $3::text[], $4::text[], 'identify', 0, NULL, NULL, false, false, false, $5, $6, $7)
       ON CONFLICT (interaction_uid) DO UPDATE SET user_id = EXCLUDED.user_id, amr = EXCLUDED.amr, proven = EXCLUDED.proven,
         stage = EXCLUDED.stage, mfa_failures = 0, webauthn_challenge = NULL, enrolment_factor_id = NULL,
         recovery_codes_shown = false, factor_enrolled = false, enrolment_allowed = false,
         emergency_justification = EXCLUDED.emergency_justification, emergency_factor = EXCLUDED.emergency_factor,
         expires_at = EXCLUDED.expires_at`,
      [interactionUid, userId, amr, proven, emergency?.justification ?? null, emergency?.factor ?? null, expiresAt],
    );
  }

  async find(interactionUid: string): Promise<SignInProgress | null> {
    const rows: Array<Record<string, unknown>> = await this.db.dataSource.query(
      `SELECT interaction_uid, user_id, amr, proven, stage, mfa_failures, webauthn_challenge, enrolment_factor_id, recovery_codes_shown, factor_enrolled, enrolment_allowed,
              emergency_justification, emergency_factor
       FROM sign_in_progress WHERE interaction_uid = $1 AND expires_at > now()`,
      [interactionUid],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      interactionUid: r.interaction_uid as string,
      userId: r.user_id as string,
      amr: r.amr as string[],
      proven: r.proven as Factor[],
      stage: r.stage as Stage,
      mfaFailures: r.mfa_failures as number,
      webauthnChallenge: (r.webauthn_challenge as string | null) ?? null,
      enrolmentFactorId: (r.enrolment_factor_id as string | null) ?? null,
      recoveryCodesShown: r.recovery_codes_shown as boolean,
      factorEnrolled: r.factor_enrolled as boolean,
      enrolmentAllowed: r.enrolment_allowed as boolean,
      emergency: r.emergency_factor ? { justification: r.emergency_justification as string, factor: r.emergency_factor as EmergencyChallenge['factor'] } : null,
    };
  }

  /** Counts one wrong code and returns the new total (atomic). */
  async addFailure(interactionUid: string): Promise<number> {
    const result = await this.db.dataSource.query(
      `UPDATE sign_in_progress SET mfa_failures = mfa_failures + 1 WHERE interaction_uid = $1 RETURNING mfa_failures`,
      [interactionUid],
    );
    const rows = (Array.isArray(result[0]) ? result[0] : result) as Array<{ mfa_failures: number }>;
    return rows[0]?.mfa_failures ?? Number.MAX_SAFE_INTEGER;
  }

  /** Stores a WebAuthn challenge; taking it clears it, so a challenge is answered once. */
  async setChallenge(interactionUid: string, challenge: string): Promise<void> {
    await this.rows.update({ interactionUid }, { webauthnChallenge: challenge });
  }

  async takeChallenge(interactionUid: string): Promise<string | null> {
    const result = await this.db.dataSource.query(
      `UPDATE sign_in_progress p SET webauthn_challenge = NULL
       FROM (SELECT webauthn_challenge FROM sign_in_progress WHERE interaction_uid = $1 FOR UPDATE) old
       WHERE p.interaction_uid = $1 RETURNING old.webauthn_challenge`,
      [interactionUid],
    );
    const rows = (Array.isArray(result[0]) ? result[0] : result) as Array<{ webauthn_challenge: string | null }>;
    return rows[0]?.webauthn_challenge ?? null;
  }

  async setEnrolmentFactor(interactionUid: string, factorId: string): Promise<void> {
    await this.rows.update({ interactionUid }, { enrolmentFactorId: factorId });
  }

  /**
   * True only for the first caller, and only after a factor was enrolled and proven in this
   * interaction: recovery codes are shown once, right after enrolment, never otherwise.
   */
  async claimRecoveryCodesShowing(interactionUid: string, tx?: Transaction): Promise<boolean> {
    const result = await managerFor(this.db, tx).query(
      `UPDATE sign_in_progress SET recovery_codes_shown = true
       WHERE interaction_uid = $1 AND factor_enrolled AND NOT recovery_codes_shown AND expires_at > now() RETURNING 1`,
      [interactionUid],
    );
    return (Array.isArray(result[0]) ? result[0] : result).length === 1;
  }

  /** A factor was enrolled and proven in this interaction: its amr joins the sign-in's, and it counts as proven. */
  async markEnrolled(interactionUid: string, amr: string[], tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `UPDATE sign_in_progress SET amr = ARRAY(SELECT DISTINCT unnest(amr || $2::text[])),
         proven = ARRAY(SELECT DISTINCT unnest(proven || $3::text[])), factor_enrolled = true WHERE interaction_uid = $1`,
      [interactionUid, amr, factorsOf(amr)],
    );
  }

  /** Records the stage the dispatcher found the sign-in at (for the row to say where it stands). */
  async setStage(interactionUid: string, stage: Stage): Promise<void> {
    await this.db.dataSource.query(`UPDATE sign_in_progress SET stage = $2 WHERE interaction_uid = $1`, [interactionUid, stage]);
  }

  async allowEnrolment(interactionUid: string): Promise<void> {
    await this.rows.update({ interactionUid }, { enrolmentAllowed: true });
  }

  async finish(interactionUid: string): Promise<void> {
    await this.db.dataSource.query(`DELETE FROM sign_in_progress WHERE interaction_uid = $1`, [interactionUid]);
  }

  /**
   * A person gained a protected role: a sign-in of theirs that is under way (its password proven
   * before the grant, perhaps by someone else) ends; they start again. In the grant's unit of work.
   */
  @OnEvent('user.protected_role_granted', { async: true, promisify: true, suppressErrors: false })
  async onProtectedRoleGranted(event: BusEvent<'user.protected_role_granted'>, delivery?: EventDelivery): Promise<void> {
    await managerFor(this.db, delivery?.tx).query(`DELETE FROM sign_in_progress WHERE user_id = $1`, [event.payload.userId]);
  }

  async deleteExpired(): Promise<void> {
    await this.db.dataSource.query('DELETE FROM sign_in_progress WHERE expires_at <= now()');
  }
}
