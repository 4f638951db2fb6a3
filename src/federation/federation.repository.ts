import { Inject, Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import { DATABASE, type OpenedDatabase } from '../database/index.js';
import { FederatedIdentityEntity } from './entities/federated-identity.entity.js';
import { FederationFlowEntity } from './entities/federation-flow.entity.js';
import { IdentityProviderEntity } from './entities/identity-provider.entity.js';
import { FederationError, FederationErrorCode } from './federation.errors.js';

export type IdpRow = Omit<IdentityProviderEntity, never>;

export interface FlowRow {
  state: string;
  interactionUid: string;
  idpId: string;
  request: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

/** Storage of IdPs, links and flows; TypeORM and driver errors stay inside. */
@Injectable()
export class FederationRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get idps() {
    return this.db.dataSource.getRepository(IdentityProviderEntity);
  }
  private get links() {
    return this.db.dataSource.getRepository(FederatedIdentityEntity);
  }
  private get flows() {
    return this.db.dataSource.getRepository(FederationFlowEntity);
  }

  async insertIdp(row: IdpRow): Promise<void> {
    try {
      await this.idps.insert(row);
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505' || (err as { code?: string }).code === '23505') {
        throw new FederationError(FederationErrorCode.IDP_ALREADY_EXISTS, `identity provider ${row.id} already exists`);
      }
      throw err;
    }
  }

  async findIdp(id: string): Promise<IdpRow | null> {
    return this.idps.findOneBy({ id });
  }

  async listIdps(): Promise<IdpRow[]> {
    return this.idps.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Compare-and-swap: the update lands only when the stored version is one the caller read. */
  async updateIdp(id: string, patch: Partial<IdpRow>, expectedVersions: number[] | undefined): Promise<IdpRow> {
    return this.db.dataSource.transaction(async (m) => {
      const repo = m.getRepository(IdentityProviderEntity);
      const current = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new FederationError(FederationErrorCode.IDP_NOT_FOUND, `no identity provider ${id}`);
      if (expectedVersions && !expectedVersions.includes(current.version)) {
        throw new FederationError(FederationErrorCode.VERSION_MISMATCH, 'the identity provider changed since it was read');
      }
      const next = { ...current, ...patch, id, version: current.version + 1, updatedAt: new Date() };
      await repo.save(next);
      return next;
    });
  }

  async deleteIdp(id: string, expectedVersions: number[] | undefined): Promise<void> {
    await this.db.dataSource.transaction(async (m) => {
      const repo = m.getRepository(IdentityProviderEntity);
      const current = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new FederationError(FederationErrorCode.IDP_NOT_FOUND, `no identity provider ${id}`);
      if (expectedVersions && !expectedVersions.includes(current.version)) {
        throw new FederationError(FederationErrorCode.VERSION_MISMATCH, 'the identity provider changed since it was read');
      }
      await repo.delete({ id });
    });
  }

  async findLinkedUser(idpId: string, subject: string): Promise<string | null> {
    return (await this.links.findOneBy({ idpId, subject }))?.userId ?? null;
  }

  /** Inserts the link; when a concurrent first sign-in won the race, returns the user it linked. */
  async link(idpId: string, subject: string, userId: string, email: string | null): Promise<string> {
    const now = new Date();
    await this.links
      .createQueryBuilder()
      .insert()
      .values({ idpId, subject, userId, email, upstreamSid: null, sealedIdToken: null, createdAt: now, lastLoginAt: now })
      .orIgnore()
      .execute();
    return (await this.findLinkedUser(idpId, subject)) ?? userId;
  }

  async touchLink(idpId: string, subject: string, at: { email: string | null; upstreamSid: string | null; sealedIdToken: string | null }): Promise<void> {
    await this.links.update({ idpId, subject }, { lastLoginAt: new Date(), ...at });
  }

  /** The users an upstream logout names: by upstream sub, or by the upstream session id. */
  async usersForLogout(idpId: string, subject: string | undefined, sid: string | undefined): Promise<string[]> {
    if (!subject && !sid) return [];
    const rows = await this.links.find({
      where: subject ? { idpId, subject, ...(sid ? { upstreamSid: sid } : {}) } : { idpId, upstreamSid: sid! },
    });
    return [...new Set(rows.map((r) => r.userId))];
  }

  /** The user's most recent upstream sign-in (for ending the upstream session). */
  async latestLink(userId: string): Promise<{ idpId: string; sealedIdToken: string | null } | null> {
    return this.links.findOne({ where: { userId }, order: { lastLoginAt: 'DESC' }, select: { idpId: true, sealedIdToken: true } });
  }

  async countLinks(idpId: string, subject: string): Promise<number> {
    return this.links.countBy({ idpId, subject });
  }

  async insertFlow(flow: Omit<FlowRow, 'result'>, ttlSeconds: number): Promise<void> {
    await this.flows.delete({ expiresAt: LessThan(new Date()) });
    await this.flows.insert({ ...flow, request: flow.request as never, result: null, expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
  }

  async findFlow(state: string): Promise<FlowRow | null> {
    const rows: FlowRow[] = await this.db.dataSource.query(
      `SELECT state, interaction_uid AS "interactionUid", idp_id AS "idpId", request, result
       FROM federation_flows WHERE state = $1 AND expires_at > now()`,
      [state],
    );
    return rows[0] ?? null;
  }

  async setFlowResult(state: string, result: Record<string, unknown>): Promise<void> {
    await this.flows.update({ state }, { result: result as never });
  }

  /** Removes and returns a finished flow of this interaction (single use). */
  async takeFlow(state: string, interactionUid: string): Promise<FlowRow | null> {
    const result = await this.db.dataSource.query(
      `DELETE FROM federation_flows WHERE state = $1 AND interaction_uid = $2 AND expires_at > now() AND result IS NOT NULL
       RETURNING state, interaction_uid AS "interactionUid", idp_id AS "idpId", request, result`,
      [state, interactionUid],
    );
    const rows = (Array.isArray(result[0]) ? result[0] : result) as FlowRow[];
    return rows[0] ?? null;
  }
}
