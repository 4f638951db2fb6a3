import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Every artifact oidc-provider persists (Session, Interaction, AuthorizationCode, AccessToken,
 * RefreshToken, ClientCredentials, Grant, PushedAuthorizationRequest, ReplayDetection, ...),
 * one row each, keyed by (model, id), with the lookups the provider needs indexed.
 */
@Entity({ name: 'oidc_artifacts' })
@Index('oidc_artifacts_grant_id_idx', ['grantId'], { where: 'grant_id IS NOT NULL' })
@Index('oidc_artifacts_uid_idx', ['model', 'uid'], { where: 'uid IS NOT NULL' })
@Index('oidc_artifacts_user_code_idx', ['model', 'userCode'], { where: 'user_code IS NOT NULL' })
@Index('oidc_artifacts_expires_at_idx', ['expiresAt'], { where: 'expires_at IS NOT NULL' })
export class OidcArtifactEntity {
  @PrimaryColumn({ type: 'text' })
  model: string;

  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'grant_id', type: 'text', nullable: true })
  grantId: string | null;

  @Column({ name: 'user_code', type: 'text', nullable: true })
  userCode: string | null;

  @Column({ type: 'text', nullable: true })
  uid: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
