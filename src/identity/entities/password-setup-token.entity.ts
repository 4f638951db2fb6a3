import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type PasswordSetupPurpose = 'invitation' | 'reset';

/**
 * A single-use link that lets a user set their password (an invitation or an admin-issued
 * reset). Only the SHA-256 of the token is stored: a database reader cannot use the link.
 */
@Entity({ name: 'password_setup_tokens' })
@Index('password_setup_tokens_user_idx', ['userId'])
@Check('password_setup_tokens_purpose_check', "purpose IN ('invitation', 'reset')")
export class PasswordSetupTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  purpose: PasswordSetupPurpose;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
