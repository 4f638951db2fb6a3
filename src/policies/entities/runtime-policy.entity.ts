import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** The one row of policies administrators change at run time; `version` is its ETag. */
@Entity({ name: 'runtime_policies' })
@Check('runtime_policies_single_row', 'id = 1')
export class RuntimePolicyEntity {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ type: 'jsonb' })
  document: Record<string, unknown>;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
