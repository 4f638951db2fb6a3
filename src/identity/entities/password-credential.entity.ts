import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The argon2id hash (PHC string, parameters included) of a user's password. */
@Entity({ name: 'password_credentials' })
export class PasswordCredentialEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  hash: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
