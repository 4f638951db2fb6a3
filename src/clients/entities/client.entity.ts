import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A downstream app. `metadata` is RFC 7591 client metadata, never holding a secret. */
@Entity({ name: 'clients' })
@Check('clients_secret_hash_format', "secret_hash IS NULL OR secret_hash LIKE 'hmac-sha256$%'")
@Check('clients_metadata_no_secret', "NOT (metadata ? 'client_secret')")
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

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
