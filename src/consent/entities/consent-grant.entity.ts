import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What a user allowed an app: OpenID Connect scopes and claims, and the scopes of each resource
 * (API or FHIR server) by its indicator. At most one live (unrevoked) row per user and app; a
 * later consent widens it, revocation ends it for good (the row stays as the record).
 */
@Entity({ name: 'consent_grants' })
@Index('consent_grants_live_key', ['userId', 'clientId'], { unique: true, where: 'revoked_at IS NULL' })
@Index('consent_grants_user_idx', ['userId', 'createdAt', 'id'])
@Check('consent_grants_origin_check', "origin IN ('user', 'first_party')")
export class ConsentGrantEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'oidc_scopes', type: 'text', array: true, default: () => "'{}'" })
  oidcScopes: string[];

  @Column({ name: 'oidc_claims', type: 'text', array: true, default: () => "'{}'" })
  oidcClaims: string[];

  @Column({ name: 'resource_scopes', type: 'jsonb', default: () => "'{}'" })
  resourceScopes: Record<string, string[]>;

  /** `user`: the person allowed it on the consent page; `first_party`: the app is trusted to skip the page. */
  @Column({ type: 'text' })
  origin: 'user' | 'first_party';

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** `<actor type>:<id>` of who revoked it. */
  @Column({ name: 'revoked_by', type: 'text', nullable: true })
  revokedBy: string | null;

  @Column({ type: 'integer', default: 1 })
  version: number;
}
