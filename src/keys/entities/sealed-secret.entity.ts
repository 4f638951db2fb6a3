import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named server-side secret (cookie keys, client-secret pepper), sealed under the KEK. */
@Entity({ name: 'sealed_secrets' })
export class SealedSecretEntity {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ name: 'sealed_value', type: 'text' })
  sealedValue: string;

  @Column({ name: 'wrapped_data_key', type: 'text' })
  wrappedDataKey: string;

  @Column({ name: 'kek_id', type: 'text' })
  kekId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
