import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The sign-in state of one interaction, between its steps: the password (or upstream) step has
 * identified the user and the second factor is pending. It holds the stage, the factors proven
 * in this interaction, whether a factor was enrolled here, and the attempt counter. Keyed by the
 * interaction, gone when it finishes or expires.
 */
@Entity({ name: 'sign_in_progress' })
@Index('sign_in_progress_expires_idx', ['expiresAt'])
export class SignInProgressEntity {
  @PrimaryColumn({ name: 'interaction_uid', type: 'text' })
  interactionUid: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text', array: true })
  amr: string[];

  /** The stage the dispatcher last found this sign-in at (next() in src/auth/flow). */
  @Column({ type: 'text', default: 'identify' })
  stage: string;

  /** Factors proven in this interaction (src/auth/flow/sign-in-state.ts: Factor). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  proven: string[];

  @Column({ name: 'mfa_failures', type: 'integer', default: 0 })
  mfaFailures: number;

  @Column({ name: 'webauthn_challenge', type: 'text', nullable: true })
  webauthnChallenge: string | null;

  @Column({ name: 'enrolment_factor_id', type: 'uuid', nullable: true })
  enrolmentFactorId: string | null;

  @Column({ name: 'recovery_codes_shown', type: 'boolean', default: false })
  recoveryCodesShown: boolean;

  /** A factor was enrolled and proven in this sign-in (the only time recovery codes are shown). */
  @Column({ name: 'factor_enrolled', type: 'boolean', default: false })
  factorEnrolled: boolean;

  @Column({ name: 'enrolment_allowed', type: 'boolean', default: false })
  enrolmentAllowed: boolean;

  /** An emergency sign-in: the reason typed with the emergency password (null for any other sign-in). */
  @Column({ name: 'emergency_justification', type: 'text', nullable: true })
  emergencyJustification: string | null;

  /** An emergency sign-in: the user's own factor it asks for (`totp` or `webauthn`). */
  @Column({ name: 'emergency_factor', type: 'text', nullable: true })
  emergencyFactor: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
