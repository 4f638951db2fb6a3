import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A signed statement of the chain head (seq, hash): periodic, on demand, or the tombstone a
 * purge leaves. Append-only like the records (migration AuditTrail).
 */
@Entity({ name: 'audit_checkpoints' })
@Index('audit_checkpoints_seq_idx', ['seq', 'createdAt'])
@Check('audit_checkpoints_kind_check', "kind IN ('periodic', 'on_demand', 'tombstone')")
@Check('audit_checkpoints_hash_format', "hash ~ '^[0-9a-f]{64}$'")
export class AuditCheckpointEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  kind: 'periodic' | 'on_demand' | 'tombstone';

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'text' })
  hash: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'text' })
  kid: string;

  @Column({ type: 'text' })
  jws: string;

  @Column({ name: 'purged_from_seq', type: 'bigint', nullable: true })
  purgedFromSeq: string | null;
}
