import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An upstream sign-in in flight, keyed by the `state` sent upstream: it ties the callback to
 * the interaction and holds the PKCE verifier and nonce server-side (never in the browser).
 */
@Entity({ name: 'federation_flows' })
@Index('federation_flows_expires_idx', ['expiresAt'])
export class FederationFlowEntity {
  @PrimaryColumn({ type: 'text' })
  state: string;

  @Column({ name: 'interaction_uid', type: 'text' })
  interactionUid: string;

  @Column({ name: 'idp_id', type: 'text' })
  idpId: string;

  /** openid-client's authorization request state: code_verifier, nonce, state. */
  @Column({ type: 'jsonb' })
  request: Record<string, unknown>;

  /** Set by the callback once the upstream sign-in is verified and mapped to a local user. */
  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
