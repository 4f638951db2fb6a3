import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * next: published, not signing yet. active: signs (one per alg). retired: published, no longer
 * signs, until every token it signed has expired. removed: retention over, no longer published
 * (row kept for audit). revoked: withdrawn at once, whatever it signed is refused.
 */
export type SigningKeyState = 'next' | 'active' | 'retired' | 'removed' | 'revoked';
export type SigningAlg = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';
export type SigningKeySource = 'generated' | 'imported';

/** One signing key. The private JWK exists only sealed (envelope under the KEK). */
@Entity({ name: 'signing_keys' })
@Index('signing_keys_one_active_per_alg', ['alg'], { unique: true, where: "state = 'active'" })
@Index('signing_keys_one_next_per_alg', ['alg'], { unique: true, where: "state = 'next'" })
@Check('signing_keys_alg_check', "alg IN ('ES256', 'PS256', 'RS256', 'EdDSA')")
@Check('signing_keys_state_check', "state IN ('next', 'active', 'retired', 'removed', 'revoked')")
@Check('signing_keys_source_check', "source IN ('generated', 'imported')")
@Check('signing_keys_public_only', "NOT (public_jwk ?| array['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])")
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  alg: SigningAlg;

  @Column({ type: 'text' })
  state: SigningKeyState;

  @Column({ type: 'text', default: 'generated' })
  source: SigningKeySource;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, any>;

  @Column({ name: 'sealed_private_jwk', type: 'text' })
  sealedPrivateJwk: string;

  @Column({ name: 'wrapped_data_key', type: 'text' })
  wrappedDataKey: string;

  @Column({ name: 'kek_id', type: 'text' })
  kekId: string;

  /** Also the moment the key entered the JWKS. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  /** Retired keys stay published until then: every token they signed has expired by it. */
  @Column({ name: 'publish_until', type: 'timestamptz', nullable: true })
  publishUntil: Date | null;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revocation_reason', type: 'text', nullable: true })
  revocationReason: string | null;

  /** An administrator asked for this active key to be replaced before its scheduled time. */
  @Column({ name: 'rotation_requested_at', type: 'timestamptz', nullable: true })
  rotationRequestedAt: Date | null;
}
