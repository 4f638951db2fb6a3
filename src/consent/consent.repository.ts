import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import {
  ConsentClientPolicyEntity,
  ConsentGrantAuthorizationEntity,
  ConsentGrantEntity,
  CustomScopeEntity,
  SmartPatientAccessEntity,
  SmartUserContextEntity,
} from './entities/index.js';

export interface StoredConsentGrant {
  id: string;
  userId: string;
  clientId: string;
  oidcScopes: string[];
  oidcClaims: string[];
  resourceScopes: Record<string, string[]>;
  origin: 'user' | 'first_party';
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  version: number;
}

export interface StoredAuthorization {
  oidcGrantId: string;
  consentGrantId: string;
  sessionUid: string | null;
  patientId: string | null;
  encounterId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface StoredCustomScope {
  name: string;
  description: string;
  group: CustomScopeEntity['group'];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface StoredPatientAccess {
  patientId: string;
  displayName: string;
  encounterId: string | null;
}

export interface StoredUserContext {
  userId: string;
  fhirUser: string | null;
  patients: StoredPatientAccess[];
  updatedAt: Date;
  version: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Storage of the consent module: grants and the provider grants under them, client consent
 * policies, custom scopes and SMART user contexts. Changes take the caller's transaction so
 * the change and its audit record commit together.
 */
@Injectable()
export class ConsentRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private grants(tx?: Transaction) {
    return managerFor(this.db, tx).getRepository(ConsentGrantEntity);
  }

  async findLiveGrant(userId: string, clientId: string, tx?: Transaction): Promise<StoredConsentGrant | null> {
    if (!UUID.test(userId)) return null;
    return this.grants(tx).findOne({ where: { userId, clientId, revokedAt: IsNull() } });
  }

  async findGrant(id: string, tx?: Transaction): Promise<StoredConsentGrant | null> {
    if (!UUID.test(id)) return null;
    return this.grants(tx).findOne({ where: { id } });
  }

  /** A user's grants, oldest first, after a keyset position; `live` leaves out revoked ones. */
  async listGrants(
    userId: string,
    query: { limit: number; after?: { createdAt: string; id: string }; liveOnly?: boolean },
  ): Promise<StoredConsentGrant[]> {
    if (!UUID.test(userId)) return [];
    const qb = this.grants().createQueryBuilder('g').where('g.user_id = :userId', { userId });
    if (query.liveOnly) qb.andWhere('g.revoked_at IS NULL');
    if (query.after) qb.andWhere('(g.created_at, g.id) > (:c, :id)', { c: query.after.createdAt, id: query.after.id });
    return qb.orderBy('g.created_at', 'ASC').addOrderBy('g.id', 'ASC').limit(query.limit).getMany();
  }

  async insertGrant(grant: StoredConsentGrant, tx: Transaction): Promise<void> {
    await this.grants(tx).insert(grant);
  }

  /** Compare-and-swap on the version; false when the grant changed or was revoked meanwhile. */
  async updateGrant(
    id: string,
    version: number,
    changes: Pick<StoredConsentGrant, 'oidcScopes' | 'oidcClaims' | 'resourceScopes' | 'origin' | 'expiresAt' | 'updatedAt'>,
    tx: Transaction,
  ): Promise<boolean> {
    const result = await this.grants(tx)
      .createQueryBuilder()
      .update()
      .set({ ...changes, version: () => 'version + 1' })
      .where('id = :id AND version = :version AND revoked_at IS NULL', { id, version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Marks the grant revoked; false when it already was. */
  async markRevoked(id: string, by: string, at: Date, tx: Transaction): Promise<boolean> {
    const result = await this.grants(tx)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: at, revokedBy: by, updatedAt: at, version: () => 'version + 1' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Links a provider grant to a consent; linking the same provider grant again changes nothing. */
  async insertAuthorization(row: StoredAuthorization, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx)
      .getRepository(ConsentGrantAuthorizationEntity)
      .createQueryBuilder()
      .insert()
      .values(row)
      .orIgnore()
      .execute();
  }

  async authorizationsOf(consentGrantId: string): Promise<StoredAuthorization[]> {
    return this.db.dataSource.getRepository(ConsentGrantAuthorizationEntity).find({ where: { consentGrantId } });
  }

  /** Deletes links whose provider grant ended more than `marginSeconds` ago, in bounded batches; returns how many. */
  async deleteExpiredAuthorizations(marginSeconds: number, batchSize = 5000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows: unknown[] = await this.db.dataSource.query(
        `DELETE FROM consent_grant_authorizations WHERE ctid IN (
           SELECT ctid FROM consent_grant_authorizations WHERE expires_at < now() - make_interval(secs => $1) LIMIT $2)
         RETURNING 1`,
        [marginSeconds, batchSize],
      );
      const count = (Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows).length;
      deleted += count;
      if (count < batchSize) return deleted;
    }
  }

  /** The launch context of a provider grant, while the consent it was issued under stands. */
  async findLaunchContext(oidcGrantId: string): Promise<{ patientId: string | null; encounterId: string | null } | null> {
    const rows: Array<{ patient_id: string | null; encounter_id: string | null }> = await this.db.dataSource.query(
      `SELECT a.patient_id, a.encounter_id FROM consent_grant_authorizations a
         JOIN consent_grants g ON g.id = a.consent_grant_id
        WHERE a.oidc_grant_id = $1 AND g.revoked_at IS NULL`,
      [oidcGrantId],
    );
    const row = rows[0];
    return row ? { patientId: row.patient_id, encounterId: row.encounter_id } : null;
  }

  async findClientPolicy(clientId: string, tx?: Transaction): Promise<{ firstParty: boolean; version: number; updatedAt: Date } | null> {
    return managerFor(this.db, tx).getRepository(ConsentClientPolicyEntity).findOne({ where: { clientId } });
  }

  /** Creates or updates the policy (compare-and-swap when a version is expected); returns the new version. */
  async saveClientPolicy(clientId: string, firstParty: boolean, expected: number[] | undefined, tx: Transaction): Promise<number> {
    const repo = managerFor(this.db, tx).getRepository(ConsentClientPolicyEntity);
    const current = await repo.findOne({ where: { clientId }, lock: { mode: 'pessimistic_write' } });
    if (expected && !expected.includes(current?.version ?? 0)) {
      throw new ConsentError(ConsentErrorCode.VERSION_MISMATCH, 'the policy changed since it was read', { currentVersion: current?.version });
    }
    const now = new Date();
    if (!current) {
      await repo.insert({ clientId, firstParty, updatedAt: now, version: 1 });
      return 1;
    }
    await repo.update({ clientId }, { firstParty, updatedAt: now, version: current.version + 1 });
    return current.version + 1;
  }

  async listCustomScopes(): Promise<StoredCustomScope[]> {
    return this.db.dataSource.getRepository(CustomScopeEntity).find({ order: { name: 'ASC' } });
  }

  async findCustomScope(name: string): Promise<StoredCustomScope | null> {
    return this.db.dataSource.getRepository(CustomScopeEntity).findOne({ where: { name } });
  }

  async saveCustomScope(
    scope: Pick<StoredCustomScope, 'name' | 'description' | 'group'>,
    expected: number[] | undefined,
    tx: Transaction,
  ): Promise<{ scope: StoredCustomScope; created: boolean }> {
    const repo = managerFor(this.db, tx).getRepository(CustomScopeEntity);
    const current = await repo.findOne({ where: { name: scope.name }, lock: { mode: 'pessimistic_write' } });
    if (expected && !expected.includes(current?.version ?? 0)) {
      throw new ConsentError(ConsentErrorCode.VERSION_MISMATCH, 'the scope changed since it was read', { currentVersion: current?.version });
    }
    const now = new Date();
    const saved: StoredCustomScope = current
      ? { ...current, ...scope, updatedAt: now, version: current.version + 1 }
      : { ...scope, createdAt: now, updatedAt: now, version: 1 };
    if (current) await repo.update({ name: scope.name }, saved);
    else await repo.insert(saved);
    return { scope: saved, created: !current };
  }

  async deleteCustomScope(name: string, tx: Transaction): Promise<boolean> {
    const result = await managerFor(this.db, tx).getRepository(CustomScopeEntity).delete({ name });
    return (result.affected ?? 0) > 0;
  }

  async findUserContext(userId: string): Promise<StoredUserContext | null> {
    if (!UUID.test(userId)) return null;
    const context = await this.db.dataSource.getRepository(SmartUserContextEntity).findOne({ where: { userId } });
    if (!context) return null;
    const patients = await this.db.dataSource
      .getRepository(SmartPatientAccessEntity)
      .find({ where: { userId }, order: { position: 'ASC' } });
    return {
      userId,
      fhirUser: context.fhirUser,
      patients: patients.map((p) => ({ patientId: p.patientId, displayName: p.displayName, encounterId: p.encounterId })),
      updatedAt: context.updatedAt,
      version: context.version,
    };
  }

  /** Replaces the user's whole SMART context (compare-and-swap when a version is expected); returns the new version. */
  async replaceUserContext(
    userId: string,
    next: { fhirUser: string | null; patients: StoredPatientAccess[] },
    expected: number[] | undefined,
    tx: Transaction,
  ): Promise<number> {
    const em = managerFor(this.db, tx);
    const contexts = em.getRepository(SmartUserContextEntity);
    const current = await contexts.findOne({ where: { userId }, lock: { mode: 'pessimistic_write' } });
    if (expected && !expected.includes(current?.version ?? 0)) {
      throw new ConsentError(ConsentErrorCode.VERSION_MISMATCH, 'the SMART context changed since it was read', {
        currentVersion: current?.version,
      });
    }
    const version = (current?.version ?? 0) + 1;
    const now = new Date();
    if (current) await contexts.update({ userId }, { fhirUser: next.fhirUser, updatedAt: now, version });
    else await contexts.insert({ userId, fhirUser: next.fhirUser, updatedAt: now, version });
    const access = em.getRepository(SmartPatientAccessEntity);
    await access.delete({ userId });
    if (next.patients.length) await access.insert(next.patients.map((p, position) => ({ ...p, userId, position })));
    return version;
  }
}
