import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { filterToSql, type DirectoryColumns, type DirectoryFilter } from './directory-filter.js';
import { IdentityError, IdentityErrorCode } from './identity.errors.js';

export interface GroupMember {
  id: string;
  email: string;
}

export interface GroupRecord {
  id: string;
  displayName: string;
  externalId: string | null;
  roles: string[];
  members: GroupMember[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupFields {
  displayName: string;
  externalId: string | null;
  roles: string[];
  /** User ids. */
  members: string[];
}

interface Row {
  id: string;
  display_name: string;
  external_id: string | null;
  roles: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS: DirectoryColumns = {
  id: { sql: 'g.id::text', caseExact: false },
  displayName: { sql: 'g.display_name', caseExact: false },
  externalId: { sql: 'g.external_id', caseExact: true },
  member: 'EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $VALUE)',
  memberAny: 'EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id)',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The groups and group_members tables. Writes take the caller's transaction; replace is a compare-and-swap on version. */
@Injectable()
export class GroupsRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async find(id: string, tx?: Transaction): Promise<GroupRecord | null> {
    if (!UUID.test(id)) return null;
    const em = managerFor(this.db, tx);
    const rows: Row[] = await em.query(`SELECT * FROM groups g WHERE g.id = $1`, [id]);
    return rows[0] ? (await this.withMembers(rows, tx))[0]! : null;
  }

  async search(filter: DirectoryFilter | undefined, offset: number, limit: number): Promise<{ total: number; groups: GroupRecord[] }> {
    const params: unknown[] = [];
    const where = filter ? filterToSql(filter, COLUMNS, params) : 'TRUE';
    const [{ total }]: Array<{ total: string }> = await this.db.dataSource.query(`SELECT count(*)::text AS total FROM groups g WHERE ${where}`, params);
    params.push(limit, offset);
    const rows: Row[] = limit
      ? await this.db.dataSource.query(
          `SELECT * FROM groups g WHERE ${where} ORDER BY g.created_at, g.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
          params,
        )
      : [];
    return { total: Number(total), groups: await this.withMembers(rows) };
  }

  /** Live (not deleted) user ids among `ids`. */
  async liveUsers(ids: readonly string[], tx?: Transaction): Promise<Array<{ id: string; roles: string[] }>> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length) return [];
    return managerFor(this.db, tx).query(`SELECT id, roles FROM users WHERE id = ANY ($1::uuid[]) AND deleted_at IS NULL`, [valid]);
  }

  /** The live users' versions (ETags); in a transaction, held until it ends (FOR SHARE), so none moves before the write commits. */
  async userVersions(ids: readonly string[], tx?: Transaction): Promise<Map<string, number>> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length) return new Map();
    const rows: Array<{ id: string; version: number }> = await managerFor(this.db, tx).query(
      `SELECT id, version FROM users WHERE id = ANY ($1::uuid[]) AND deleted_at IS NULL${tx ? ' FOR SHARE' : ''}`,
      [valid],
    );
    return new Map(rows.map((r) => [r.id, Number(r.version)]));
  }

  /**
   * These users' effective roles change with a group write: their versions (ETags) move on, in
   * the write's transaction, taking their rows' locks in id order. An act on one of them checked
   * against the version before (a password set, an enrolment code: compare-and-swap) fails.
   */
  async touchUsers(ids: readonly string[], tx: Transaction): Promise<void> {
    const valid = [...new Set(ids.filter((id) => UUID.test(id)))].sort();
    if (!valid.length) return;
    await managerFor(this.db, tx).query(
      `UPDATE users SET version = version + 1, updated_at = now()
        WHERE id IN (SELECT id FROM users WHERE id = ANY ($1::uuid[]) AND deleted_at IS NULL ORDER BY id FOR UPDATE)`,
      [valid],
    );
  }

  /** Those of these users who hold one of `roles`, directly or through a group. */
  async holdersOf(ids: readonly string[], roles: readonly string[], tx: Transaction): Promise<string[]> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length || !roles.length) return [];
    const rows: Array<{ id: string }> = await managerFor(this.db, tx).query(
      `SELECT u.id FROM users u WHERE u.id = ANY ($1::uuid[]) AND u.deleted_at IS NULL AND (u.roles && $2::text[]
         OR EXISTS (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id AND g.roles && $2::text[]))`,
      [valid, [...roles]],
    );
    return rows.map((r) => r.id);
  }

  async insert(fields: GroupFields, now: Date, tx: Transaction): Promise<string> {
    const id = randomUUID();
    await this.guard(() =>
      managerFor(this.db, tx).query(
        `INSERT INTO groups (id, display_name, external_id, roles, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)`,
        [id, fields.displayName, fields.externalId, fields.roles, now],
      ),
    );
    await this.setMembers(id, fields.members, tx);
    return id;
  }

  /** Null when the group is gone or its version is not one of `expectedVersions`. */
  async replace(id: string, expectedVersions: number[] | undefined, fields: GroupFields, now: Date, tx: Transaction): Promise<boolean> {
    const result: [unknown[], number] = await this.guard(() =>
      managerFor(this.db, tx).query(
        `UPDATE groups SET display_name = $2, external_id = $3, roles = $4, version = version + 1, updated_at = $5
         WHERE id = $1 AND ($6::int[] IS NULL OR version = ANY ($6::int[])) RETURNING id`,
        [id, fields.displayName, fields.externalId, fields.roles, now, expectedVersions ?? null],
      ),
    );
    const rows = Array.isArray(result[0]) ? result[0] : (result as unknown as unknown[]);
    if (!rows.length) return false;
    await this.setMembers(id, fields.members, tx);
    return true;
  }

  async delete(id: string, expectedVersions: number[] | undefined, tx: Transaction): Promise<boolean> {
    const result: [unknown[], number] = await managerFor(this.db, tx).query(
      `DELETE FROM groups WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY ($2::int[])) RETURNING id`,
      [id, expectedVersions ?? null],
    );
    const rows = Array.isArray(result[0]) ? result[0] : (result as unknown as unknown[]);
    return rows.length > 0;
  }

  private async setMembers(id: string, members: readonly string[], tx: Transaction): Promise<void> {
    const em = managerFor(this.db, tx);
    await em.query(`DELETE FROM group_members WHERE group_id = $1 AND NOT (user_id = ANY ($2::uuid[]))`, [id, members]);
    if (members.length) {
      await em.query(`INSERT INTO group_members (group_id, user_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [id, members]);
    }
  }

  private async withMembers(rows: Row[], tx?: Transaction): Promise<GroupRecord[]> {
    if (!rows.length) return [];
    const members: Array<{ group_id: string; id: string; email: string }> = await managerFor(this.db, tx).query(
      `SELECT m.group_id, u.id, u.email FROM group_members m JOIN users u ON u.id = m.user_id
       WHERE m.group_id = ANY ($1::uuid[]) AND u.deleted_at IS NULL ORDER BY u.email`,
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      id: r.id,
      displayName: r.display_name,
      externalId: r.external_id,
      roles: r.roles,
      members: members.filter((m) => m.group_id === r.id).map((m) => ({ id: m.id, email: m.email })),
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (cause) {
      const driver = (cause as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (driver?.code === '23505') {
        const externalId = String(driver.constraint ?? '').includes('external_id');
        throw new IdentityError(
          IdentityErrorCode.GROUP_NAME_TAKEN,
          externalId ? 'another group has this external id' : 'a group with this name already exists',
          [{ field: externalId ? 'externalId' : 'displayName', message: 'is already in use' }],
          { cause },
        );
      }
      throw cause;
    }
  }
}
