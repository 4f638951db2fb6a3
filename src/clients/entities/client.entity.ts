import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A downstream app. `metadata` is RFC 7591 client metadata, never holding a secret.
 * A deleted client keeps its row (a tombstone: no secret, disabled, `deleted_at` set) so its
 * client id can never be registered again and inherit the old app's tokens or audit trail.
 */
@Entity({ name: 'clients' })
@Check('clients_secret_hash_format', "secret_hash IS NULL OR secret_hash LIKE 'hmac-sha256$%'")
@Check('clients_metadata_no_secret', "NOT (metadata ? 'client_secret')")
@Check('clients_mfa_policy_check', "mfa_policy IN ('required', 'optional')")
@Check('clients_deleted_is_disabled', 'deleted_at IS NULL OR (NOT enabled AND secret_hash IS NULL)')
@Index('clients_listing_idx', ['createdAt', 'clientId'], { where: 'deleted_at IS NULL' })
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ type: 'text' })
  name: string;

  /** `hmac-sha256$<base64url>` of the secret under the server pepper; null for public clients. */
  @Column({ name: 'secret_hash', type: 'text', nullable: true })
  secretHash: string | null;

  @Column({ type: 'jsonb' })
  metadata: Record<string, any>;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'mfa_policy', type: 'text', default: 'required' })
  mfaPolicy: 'required' | 'optional';

  /** Bumped by every change; the admin API's ETag, and the compare-and-swap of updates. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'secret_updated_at', type: 'timestamptz', nullable: true })
  secretUpdatedAt: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
