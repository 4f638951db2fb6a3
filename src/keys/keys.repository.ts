import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { KeyRotationScheduleEntity } from './entities/key-rotation-schedule.entity.js';
import { SealedSecretEntity } from './entities/sealed-secret.entity.js';
import { SigningKeyEntity, type SigningAlg, type SigningKeySource, type SigningKeyState } from './entities/signing-key.entity.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';

export interface StoredSigningKey {
  kid: string;
  alg: SigningAlg;
  state: SigningKeyState;
  source: SigningKeySource;
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  wrappedDataKey: string;
  kekId: string;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  publishUntil: Date | null;
  removedAt: Date | null;
  revokedAt: Date | null;
  revocationReason: string | null;
  rotationRequestedAt: Date | null;
}

export type NewSigningKey = Pick<
  StoredSigningKey,
  'kid' | 'alg' | 'state' | 'source' | 'publicJwk' | 'sealedPrivateJwk' | 'wrappedDataKey' | 'kekId' | 'createdAt' | 'activatedAt'
>;

export interface StoredSecret {
  name: string;
  sealedValue: string;
  wrappedDataKey: string;
  kekId: string;
  createdAt: Date;
}

export interface StoredSchedule {
  rotationIntervalSeconds: number;
  prePublicationWindowSeconds: number;
  updatedAt: Date;
  updatedBy: string;
  version: number;
}

export interface Retirement {
  kid: string;
  at: Date;
  publishUntil: Date;
}

const PUBLISHED: SigningKeyState[] = ['active', 'next', 'retired'];
const UNIQUE_VIOLATION = '23505';

/** Signing keys, sealed secrets and the rotation schedule. Everything it returns is still sealed. */
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
      .where('k.state IN (:...states)', { states: PUBLISHED })
      .orderBy(`CASE k.state WHEN 'active' THEN 0 WHEN 'next' THEN 1 ELSE 2 END`, 'ASC')
      .addOrderBy('k.activated_at', 'DESC', 'NULLS LAST')
      .addOrderBy('k.created_at', 'DESC')
      .addOrderBy('k.kid', 'ASC')
      .getMany();
    return rows.map(toStored);
  }

  /** Every key ever held, newest first (the admin list; removed and revoked keys included). */
  async findAll(): Promise<StoredSigningKey[]> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC', kid: 'ASC' } });
    return rows.map(toStored);
  }

  async findByKid(kid: string): Promise<StoredSigningKey | null> {
    const row = await this.keys.findOneBy({ kid });
    return row ? toStored(row) : null;
  }

  /** `kid:state` of every published key, sorted: cheap enough to poll every few seconds. */
  async publishedStates(): Promise<Array<{ kid: string; state: SigningKeyState }>> {
    return this.db.dataSource.query(`SELECT kid, state FROM signing_keys WHERE state = ANY($1::text[]) ORDER BY kid`, [PUBLISHED]);
  }

  async insertKey(key: NewSigningKey): Promise<void> {
    try {
      await this.keys.insert({ ...key, publicJwk: key.publicJwk as Record<string, any> });
    } catch (cause) {
      throw translate(cause, `key ${key.kid}`);
    }
  }

  /**
   * In one transaction: the active key of the alg (if any) retires, then `kid` becomes active:
   * the `next` row is promoted, or `insert` is written straight as active. Fails without any
   * change when a row moved meanwhile.
   */
  async activate(kid: string, at: Date, retire: Retirement | null, insert?: NewSigningKey): Promise<void> {
    await this.inTransaction(async (m) => {
      if (retire) {
        const retired = await m.query(
          `UPDATE signing_keys SET state = 'retired', retired_at = $2, publish_until = $3, rotation_requested_at = NULL
           WHERE kid = $1 AND state = 'active' RETURNING kid`,
          [retire.kid, retire.at, retire.publishUntil],
        );
        if (rowCount(retired) !== 1) throw new KeysError(KeysErrorCode.INVALID_STATE, `key ${retire.kid} is no longer active`);
      }
      await this.promote(m, kid, at, insert);
    }, `key ${kid}`);
  }

  /**
   * In one transaction: `kid` is revoked (whatever its state, unless already revoked) and, when
   * given, `replacementKid` becomes active as in activate(). Returns the state the key had.
   */
  async revokeAndActivate(kid: string, at: Date, reason: string, replacementKid?: string, insert?: NewSigningKey): Promise<SigningKeyState> {
    return this.inTransaction(async (m) => {
      const rows: Array<{ state: SigningKeyState }> = await m.query(`SELECT state FROM signing_keys WHERE kid = $1 FOR UPDATE`, [kid]);
      const previous = rows[0]?.state;
      if (!previous) throw new KeysError(KeysErrorCode.KEY_NOT_FOUND, `no signing key with kid ${kid}`);
      if (previous === 'revoked') throw new KeysError(KeysErrorCode.INVALID_STATE, `key ${kid} is already revoked`);
      await m.query(
        `UPDATE signing_keys SET state = 'revoked', revoked_at = $2, revocation_reason = $3, rotation_requested_at = NULL WHERE kid = $1`,
        [kid, at, reason],
      );
      if (replacementKid) await this.promote(m, replacementKid, at, insert);
      return previous;
    }, `key ${kid}`);
  }

  private async promote(m: EntityManager, kid: string, at: Date, insert?: NewSigningKey): Promise<void> {
    if (insert) {
      await m.getRepository(SigningKeyEntity).insert({
        ...insert,
        state: 'active',
        activatedAt: at,
        publicJwk: insert.publicJwk as Record<string, any>,
      });
      return;
    }
    const activated = await m.query(
      `UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = $1 AND state = 'next' RETURNING kid`,
      [kid, at],
    );
    if (rowCount(activated) !== 1) throw new KeysError(KeysErrorCode.INVALID_STATE, `key ${kid} is not a next key`);
  }

  async markRemoved(kid: string, at: Date): Promise<boolean> {
    const result = await this.db.dataSource.query(
      `UPDATE signing_keys SET state = 'removed', removed_at = $2 WHERE kid = $1 AND state = 'retired' RETURNING kid`,
      [kid, at],
    );
    return rowCount(result) === 1;
  }

  async requestRotation(kid: string, at: Date): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE signing_keys SET rotation_requested_at = $2 WHERE kid = $1 AND state = 'active'
         AND (rotation_requested_at IS NULL OR rotation_requested_at > $2)`,
      [kid, at],
    );
  }

  async findSchedule(): Promise<StoredSchedule | null> {
    const row = await this.db.dataSource.getRepository(KeyRotationScheduleEntity).findOneBy({ id: 1 });
    return row
      ? {
          rotationIntervalSeconds: row.rotationIntervalSeconds,
          prePublicationWindowSeconds: row.prepublicationWindowSeconds,
          updatedAt: row.updatedAt,
          updatedBy: row.updatedBy,
          version: row.version,
        }
      : null;
  }

  /** Callers hold the keys lock and have checked the version they replace. */
  async saveSchedule(schedule: StoredSchedule): Promise<void> {
    await this.db.dataSource.getRepository(KeyRotationScheduleEntity).upsert(
      {
        id: 1,
        rotationIntervalSeconds: schedule.rotationIntervalSeconds,
        prepublicationWindowSeconds: schedule.prePublicationWindowSeconds,
        updatedAt: schedule.updatedAt,
        updatedBy: schedule.updatedBy,
        version: schedule.version,
      },
      ['id'],
    );
  }

  /**
   * KEK rotation: every signing key and secret not sealed under `currentKekId` is handed to
   * `rewrap` and written back in one transaction, so a failure leaves every row as it was.
   */
  async rewrapAll(
    currentKekId: string,
    rewrap: (row: { kind: 'key' | 'secret'; id: string; ciphertext: string; wrappedKey: string; kekId: string }) => Promise<{ wrappedKey: string; kekId: string }>,
  ): Promise<{ signingKeys: number; secrets: number; fromKekIds: string[] }> {
    return this.inTransaction(async (m) => {
      const from = new Set<string>();
      const keys: Array<{ kid: string; sealed_private_jwk: string; wrapped_data_key: string; kek_id: string }> = await m.query(
        `SELECT kid, sealed_private_jwk, wrapped_data_key, kek_id FROM signing_keys WHERE kek_id <> $1 ORDER BY kid FOR UPDATE`,
        [currentKekId],
      );
      for (const k of keys) {
        from.add(k.kek_id);
        const out = await rewrap({ kind: 'key', id: k.kid, ciphertext: k.sealed_private_jwk, wrappedKey: k.wrapped_data_key, kekId: k.kek_id });
        await m.query(`UPDATE signing_keys SET wrapped_data_key = $2, kek_id = $3 WHERE kid = $1`, [k.kid, out.wrappedKey, out.kekId]);
      }
      const secrets: Array<{ name: string; sealed_value: string; wrapped_data_key: string; kek_id: string }> = await m.query(
        `SELECT name, sealed_value, wrapped_data_key, kek_id FROM sealed_secrets WHERE kek_id <> $1 ORDER BY name FOR UPDATE`,
        [currentKekId],
      );
      for (const s of secrets) {
        from.add(s.kek_id);
        const out = await rewrap({ kind: 'secret', id: s.name, ciphertext: s.sealed_value, wrappedKey: s.wrapped_data_key, kekId: s.kek_id });
        await m.query(`UPDATE sealed_secrets SET wrapped_data_key = $2, kek_id = $3 WHERE name = $1`, [s.name, out.wrappedKey, out.kekId]);
      }
      return { signingKeys: keys.length, secrets: secrets.length, fromKekIds: [...from].sort() };
    }, 'key-encryption key rotation');
  }

  async findSecret(name: string): Promise<StoredSecret | null> {
    return this.secrets.findOneBy({ name });
  }

  /** Inserts unless another instance won the race; the caller re-reads to get the winner. */
  async insertSecretIfAbsent(secret: StoredSecret): Promise<void> {
    await this.secrets.createQueryBuilder().insert().values(secret).orIgnore().execute();
  }

  private async inTransaction<T>(fn: (m: EntityManager) => Promise<T>, what: string): Promise<T> {
    try {
      return await this.db.dataSource.transaction(fn);
    } catch (cause) {
      throw translate(cause, what);
    }
  }
}

function translate(cause: unknown, what: string): Error {
  if (cause instanceof KeysError) return cause;
  const code = (cause as { code?: string; driverError?: { code?: string } })?.driverError?.code ?? (cause as { code?: string })?.code;
  if (code === UNIQUE_VIOLATION) return new KeysError(KeysErrorCode.KEY_ALREADY_EXISTS, `${what}: such a key already exists`, { cause });
  return cause instanceof Error ? cause : new Error(String(cause));
}

/** TypeORM returns `[rows, count]` for UPDATE ... RETURNING on PostgreSQL. */
function rowCount(result: unknown): number {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0].length;
  return Array.isArray(result) ? result.length : 0;
}

function toStored(row: SigningKeyEntity): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    source: row.source,
    publicJwk: row.publicJwk,
    sealedPrivateJwk: row.sealedPrivateJwk,
    wrappedDataKey: row.wrappedDataKey,
    kekId: row.kekId,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
    retiredAt: row.retiredAt,
    publishUntil: row.publishUntil,
    removedAt: row.removedAt,
    revokedAt: row.revokedAt,
    revocationReason: row.revocationReason,
    rotationRequestedAt: row.rotationRequestedAt,
  };
}
