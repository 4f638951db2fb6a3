import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One record of the audit trail (schema only: the repository reads and writes it with SQL).
 * Append-only: a database trigger refuses UPDATE and DELETE (migration AuditTrail).
 */
@Entity({ name: 'audit_events' })
@Index('audit_events_occurred_at_idx', ['occurredAt'])
@Index('audit_events_recorded_at_idx', ['recordedAt'])
@Index('audit_events_event_type_idx', ['eventType', 'seq'])
@Index('audit_events_actor_idx', ['actorId', 'seq'])
@Index('audit_events_subject_idx', ['subjectId', 'seq'])
@Index('audit_events_client_idx', ['clientId', 'seq'])
@Index('audit_events_ip_idx', ['ip', 'seq'])
@Check('audit_events_seq_positive', 'seq > 0')
@Check('audit_events_outcome_check', "outcome IN ('success', 'failure')")
@Check('audit_events_hash_format', "hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$'")
export class AuditEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ type: 'text' })
  outcome: 'success' | 'failure';

  @Column({ name: 'actor_type', type: 'text' })
  actorType: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ name: 'subject_type', type: 'text', nullable: true })
  subjectType: string | null;

  @Column({ name: 'subject_id', type: 'text', nullable: true })
  subjectId: string | null;

  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId: string | null;

  @Column({ type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @Column({ name: 'session_id', type: 'text', nullable: true })
  sessionId: string | null;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId: string;

  @Column({ type: 'jsonb' })
  details: Record<string, any>;
}
