import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How consent works for one app: a trusted first-party app skips the consent page (each skip is audited). */
@Entity({ name: 'consent_client_policies' })
export class ConsentClientPolicyEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty: boolean;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'integer', default: 1 })
  version: number;
}
