import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One `Idempotency-Key` an admin principal sent with a create: the request's fingerprint and,
 * once the handler finished, the response sealed under a server secret (a create's response
 * may hold a one-time client secret). Rows expire 24 hours after the first request.
 */
@Entity({ name: 'admin_idempotency_records' })
@Index('admin_idempotency_records_expires_at_idx', ['expiresAt'])
export class IdempotencyRecordEntity {
  /** `<kind>:<id>` of the admin principal: keys of different callers never collide. */
  @PrimaryColumn({ type: 'text' })
  principal: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** SHA-256 of method, path and canonical JSON body. */
  @Column({ type: 'text' })
  fingerprint: string;

  /** AES-256-GCM sealed `{ status, headers, body }`; null while the first request is in flight. */
  @Column({ name: 'sealed_response', type: 'text', nullable: true })
  sealedResponse: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
