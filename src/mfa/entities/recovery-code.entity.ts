import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A single-use recovery code, stored only as HMAC-SHA256 under a sealed server pepper. */
@Entity({ name: 'mfa_recovery_codes' })
@Index('mfa_recovery_codes_user_idx', ['userId'])
export class RecoveryCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'text' })
  codeHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
