import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ConsentGrantEntity } from './consent-grant.entity.js';

/**
 * One provider grant (oidc-provider's, whose id every token carries) issued under a consent:
 * revoking the consent revokes each of them. It keeps the browser session it was made in (for
 * back-channel logout) and the SMART launch context chosen for it.
 */
@Entity({ name: 'consent_grant_authorizations' })
@Index('consent_grant_authorizations_consent_idx', ['consentGrantId'])
export class ConsentGrantAuthorizationEntity {
  @PrimaryColumn({ name: 'oidc_grant_id', type: 'text' })
  oidcGrantId: string;

  @Column({ name: 'consent_grant_id', type: 'uuid' })
  consentGrantId: string;

  @ManyToOne(() => ConsentGrantEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'consent_grant_id', foreignKeyConstraintName: 'consent_grant_authorizations_consent_grant_id_fkey' })
  consentGrant?: ConsentGrantEntity;

  @Column({ name: 'session_uid', type: 'text', nullable: true })
  sessionUid: string | null;

  @Column({ name: 'patient_id', type: 'text', nullable: true })
  patientId: string | null;

  @Column({ name: 'encounter_id', type: 'text', nullable: true })
  encounterId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
