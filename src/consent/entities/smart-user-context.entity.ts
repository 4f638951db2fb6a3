import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** The SMART identity of a user: the FHIR resource that is them (`fhirUser`), set by an administrator. */
@Entity({ name: 'smart_user_contexts' })
export class SmartUserContextEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'fhir_user', type: 'text', nullable: true })
  fhirUser: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'integer', default: 1 })
  version: number;
}

/**
 * A patient record a user may open in a standalone SMART launch (the patient picker lists these;
 * the FHIR server itself stays the authority on what they may read).
 */
@Entity({ name: 'smart_patient_access' })
export class SmartPatientAccessEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => SmartUserContextEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'smart_patient_access_user_id_fkey' })
  context?: SmartUserContextEntity;

  @PrimaryColumn({ name: 'patient_id', type: 'text' })
  patientId: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ name: 'encounter_id', type: 'text', nullable: true })
  encounterId: string | null;

  /** Order on the picker, as the administrator listed them. */
  @Column({ type: 'integer' })
  position: number;
}
