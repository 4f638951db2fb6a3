import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type UserStatus = 'active' | 'disabled' | 'locked';

/** A person who signs in. `id` is the stable `sub`; the email may change. */
@Entity({ name: 'users' })
@Index('users_email_lower_key', { synchronize: false })
@Index('users_listing_idx', ['createdAt', 'id'])
@Check('users_status_check', "status IN ('active', 'disabled', 'locked')")
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'given_name', type: 'text', nullable: true })
  givenName: string | null;

  @Column({ name: 'family_name', type: 'text', nullable: true })
  familyName: string | null;

  @Column({ type: 'text', default: 'active' })
  status: UserStatus;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles: string[];

  /** Set by the sign-in throttle when repeated failures lock the account for a while. */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ type: 'integer', default: 1 })
  version: number;

  /** The directory's id of this person (SCIM externalId); unique among users that have one. */
  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  /** Set when an administrator deleted the user: the row stays, anonymised, so the audit trail keeps its id. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
