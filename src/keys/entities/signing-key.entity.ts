import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type SigningKeyState = 'next' | 'active' | 'retired' | 'revoked';
export type SigningAlg = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';

/** One signing key. The private JWK exists only sealed (envelope under the KEK). */
@Entity({ name: 'signing_keys' })
@Index('signing_keys_one_active_per_alg', ['alg'], { unique: true, where: "state = 'active'" })
@Check('signing_keys_alg_check', "alg IN ('ES256', 'PS256', 'RS256', 'EdDSA')")
@Check('signing_keys_state_check', "state IN ('next', 'active', 'retired', 'revoked')")
@Check('signing_keys_public_only', "NOT (public_jwk ?| array['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])")
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  alg: SigningAlg;

  @Column({ type: 'text' })
  state: SigningKeyState;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, any>;

  @Column({ name: 'sealed_private_jwk', type: 'text' })
  sealedPrivateJwk: string;

  @Column({ name: 'wrapped_data_key', type: 'text' })
  wrappedDataKey: string;

  @Column({ name: 'kek_id', type: 'text' })
  kekId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
