import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed sign-ins counted per key: `acct:<sha256 of the lowercased email>` (whether or not such
 * an account exists, so the lock itself reveals nothing) and `ip:<address>`.
 */
@Entity({ name: 'login_throttle' })
export class LoginThrottleEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;
}
