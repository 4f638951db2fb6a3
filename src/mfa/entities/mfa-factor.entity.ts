import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A second factor. TOTP: the secret sealed (AES-256-GCM under a server key that is itself
 * sealed by the KEK) and the last accepted time step. WebAuthn: the credential's public key,
 * sign counter and transports.
 */
@Entity({ name: 'mfa_factors' })
@Index('mfa_factors_user_idx', ['userId'])
@Index('mfa_factors_credential_id_key', ['credentialId'], { unique: true, where: 'credential_id IS NOT NULL' })
@Check('mfa_factors_type_check', "type IN ('totp', 'webauthn')")
export class MfaFactorEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  type: 'totp' | 'webauthn';

  @Column({ type: 'text' })
  label: string;

  @Column({ type: 'boolean', default: false })
  confirmed: boolean;

  @Column({ name: 'sealed_secret', type: 'text', nullable: true })
  sealedSecret: string | null;

  @Column({ name: 'last_step', type: 'bigint', nullable: true })
  lastStep: string | null;

  @Column({ name: 'credential_id', type: 'text', nullable: true })
  credentialId: string | null;

  @Column({ name: 'public_key', type: 'text', nullable: true })
  publicKey: string | null;

  @Column({ name: 'sign_count', type: 'bigint', nullable: true })
  signCount: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  transports: string[] | null;

  @Column({ name: 'device_type', type: 'text', nullable: true })
  deviceType: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
