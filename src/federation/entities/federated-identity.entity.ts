import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A local user's link to an upstream account: keyed by (IdP, upstream sub), never by email. */
@Entity({ name: 'federated_identities' })
@Index('federated_identities_user_idx', ['userId'])
export class FederatedIdentityEntity {
  @PrimaryColumn({ name: 'idp_id', type: 'text' })
  idpId: string;

  @PrimaryColumn({ type: 'text' })
  subject: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The upstream email at the last sign-in, for administrators; never used to find the link. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  /** The upstream session id (`sid`) of the last sign-in, for back-channel logout by sid. */
  @Column({ name: 'upstream_sid', type: 'text', nullable: true })
  upstreamSid: string | null;

  /** The last upstream ID token, sealed: the id_token_hint for ending the upstream session. */
  @Column({ name: 'sealed_id_token', type: 'text', nullable: true })
  sealedIdToken: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz' })
  lastLoginAt: Date;
}
