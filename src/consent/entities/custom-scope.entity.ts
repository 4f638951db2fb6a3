import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** A scope an administrator defined (for one of their APIs), with the sentence the consent page shows. */
@Entity({ name: 'consent_custom_scopes' })
@Check('consent_custom_scopes_group_check', "scope_group IN ('identity', 'read', 'write', 'offline', 'other')")
export class CustomScopeEntity {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'scope_group', type: 'text' })
  group: 'identity' | 'read' | 'write' | 'offline' | 'other';

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'integer', default: 1 })
  version: number;
}
