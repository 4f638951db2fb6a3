import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { SealedSecretEntity } from './entities/sealed-secret.entity.js';
import { SigningKeyEntity, type SigningKeyState } from './entities/signing-key.entity.js';

export interface StoredSigningKey {
  kid: string;
  alg: SigningKeyEntity['alg'];
  state: SigningKeyState;
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  wrappedDataKey: string;
  kekId: string;
  createdAt: Date;
  activatedAt: Date | null;
}

export interface StoredSecret {
  name: string;
  sealedValue: string;
  wrappedDataKey: string;
  kekId: string;
  createdAt: Date;
}

/** Signing keys and sealed secrets. Everything it returns is still sealed. */
@Injectable()
export class KeysRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get keys() {
    return this.db.dataSource.getRepository(SigningKeyEntity);
  }

  private get secrets() {
    return this.db.dataSource.getRepository(SealedSecretEntity);
  }

  /** Keys that belong in the JWKS: active first (oidc-provider signs with the first key of an alg). */
  async findPublishable(): Promise<StoredSigningKey[]> {
    const rows = await this.keys
      .createQueryBuilder('k')
      .where('k.state IN (:...states)', { states: ['active', 'next', 'retired'] })
      .orderBy(`CASE k.state WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END`, 'ASC')
      .addOrderBy('k.activated_at', 'DESC', 'NULLS LAST')
      .addOrderBy('k.created_at', 'DESC')
      .getMany();
    return rows.map(toStored);
  }

  async insertKey(key: StoredSigningKey): Promise<void> {
    await this.keys.insert({ ...key, publicJwk: key.publicJwk as Record<string, any>, retiredAt: null, revokedAt: null });
  }

  async findSecret(name: string): Promise<StoredSecret | null> {
    return this.secrets.findOneBy({ name });
  }

  /** Inserts unless another instance won the race; the caller re-reads to get the winner. */
  async insertSecretIfAbsent(secret: StoredSecret): Promise<void> {
    await this.secrets.createQueryBuilder().insert().values(secret).orIgnore().execute();
  }
}

function toStored(row: SigningKeyEntity): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    publicJwk: row.publicJwk,
    sealedPrivateJwk: row.sealedPrivateJwk,
    wrappedDataKey: row.wrappedDataKey,
    kekId: row.kekId,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
  };
}
