import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
import { IdentityError, IdentityErrorCode, uniqueViolation } from './identity.errors.js';
import type { PasswordSetupPurpose } from './entities/password-setup-token.entity.js';
import { moveUserVersion } from './user-version.js';
import type { UserStatus } from './entities/user.entity.js';
import { filterToSql, type DirectoryColumns, type DirectoryFilter } from './directory-filter.js';

const USER_FILTER_COLUMNS: DirectoryColumns = {
  id: { sql: 'u.id::text', caseExact: false },
  email: { sql: 'u.email', caseExact: false },
  emailType: { sql: "'work'", caseExact: false },
  externalId: { sql: 'u.external_id', caseExact: true },
  givenName: { sql: 'u.given_name', caseExact: false },
  familyName: { sql: 'u.family_name', caseExact: false },
};

/** A user as the admin surface sees it (never a password hash). */
export interface UserRecord {
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  status: UserStatus;
  roles: string[];
  /** The directory's id of this person (SCIM externalId), if any. */
  externalId: string | null;
  /** Own roles plus those of the user's groups: what decides who may administer this user. */
  effectiveRoles: string[];
  lockedUntil: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  hasPassword: boolean;
}

export interface UserListPosition {
  createdAt: string;
  id: string;
}

export interface UserListQuery {
  limit: number;
  after?: UserListPosition;
  /** Case-insensitive fragment of the email or either name. */
  search?: string;
  status?: UserStatus | 'deleted';
  role?: string;
}

export interface UserChanges {
  email?: string;
  emailVerified?: boolean;
  givenName?: string | null;
  familyName?: string | null;
  roles?: string[];
  status?: UserStatus;
  externalId?: string | null;
}

interface Row {
  id: string;
  email: string;
  email_verified: boolean;
  given_name: string | null;
  family_name: string | null;
  status: UserStatus;
  roles: string[];
  external_id: string | null;
  effective_roles: string[];
  locked_until: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  has_password: boolean;
  position: string;
}

const COLUMNS = `u.id, u.email, u.email_verified, u.given_name, u.family_name, u.status, u.roles, u.external_id, u.locked_until, u.version,
  u.created_at, u.updated_at, u.deleted_at, u.created_at::text AS position,
  u.roles || ARRAY(SELECT r FROM group_members m JOIN groups g ON g.id = m.group_id, unnest(g.roles) AS r WHERE m.user_id = u.id) AS effective_roles,
  EXISTS (SELECT 1 FROM password_credentials p WHERE p.user_id = u.id) AS has_password`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const hashSetupToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The admin side of the users table: keyset listing, compare-and-swap updates on `version`,
 * anonymisation, and single-use password setup tokens. Plain parameterised SQL. Writes take
 * the caller's transaction (the change commits with its audit record).
 */
@Injectable()
export class UsersAdminRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async find(id: string, tx?: Transaction): Promise<UserRecord | null> {
    if (!UUID.test(id)) return null;
    const rows: Row[] = await managerFor(this.db, tx).query(`SELECT ${COLUMNS} FROM users u WHERE u.id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(query: UserListQuery): Promise<Array<{ user: UserRecord; position: UserListPosition }>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.after) {
      params.push(query.after.createdAt, query.after.id);
      where.push(`(u.created_at, u.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (query.search) {
      params.push(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const p = `$${params.length}`;
      where.push(`(u.email ILIKE ${p} OR u.given_name ILIKE ${p} OR u.family_name ILIKE ${p})`);
    }
    if (query.status === 'deleted') where.push('u.deleted_at IS NOT NULL');
    else {
      where.push('u.deleted_at IS NULL');
      if (query.status) {
        params.push(query.status);
        where.push(`u.status = $${params.length}`);
      }
    }
    if (query.role) {
      params.push(query.role);
      // Effective roles: a role held through a group counts like one held directly.
      const r = `$${params.length}`;
      where.push(
        `(${r} = ANY (u.roles) OR EXISTS (SELECT 1 FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id AND ${r} = ANY (g.roles)))`,
      );
    }
    params.push(query.limit);
    const rows: Row[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM users u WHERE ${where.join(' AND ')} ORDER BY u.created_at, u.id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ user: toRecord(r), position: { createdAt: r.position, id: r.id } }));
  }

  /**
   * Compare-and-swap: applies the changes to a live (not deleted) user only if its version is
   * one of `expectedVersions`, bumping the version. Null when no row matched.
   */
  async update(id: string, expectedVersions: number[], changes: UserChanges, now: Date, tx: Transaction): Promise<UserRecord | null> {
    const params: unknown[] = [id, now, expectedVersions];
    const sets = ['version = version + 1', 'updated_at = $2'];
    const column: Record<keyof UserChanges, string> = {
      email: 'email',
      emailVerified: 'email_verified',
      givenName: 'given_name',
      familyName: 'family_name',
      roles: 'roles',
      status: 'status',
      externalId: 'external_id',
    };
    for (const [key, value] of Object.entries(changes) as Array<[keyof UserChanges, unknown]>) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column[key]} = $${params.length}`);
    }
    try {
      const result: [Array<{ id: string }>, number] = await managerFor(this.db, tx).query(
        `UPDATE users SET ${sets.join(', ')} WHERE id = $1 AND deleted_at IS NULL AND version = ANY ($3::int[]) RETURNING id`,
        params,
      );
      const updated = Array.isArray(result[0]) ? result[0] : (result as unknown as Array<{ id: string }>);
      return updated.length ? this.find(id, tx) : null;
    } catch (cause) {
      if ((cause as { driverError?: { code?: string }; code?: string }).driverError?.code === '23505') {
        throw uniqueViolation(cause);
      }
      throw cause;
    }
  }

  /** Live users matching a directory filter, in creation order, with the total count (offset paging). */
  async search(filter: DirectoryFilter | undefined, offset: number, limit: number): Promise<{ total: number; users: UserRecord[] }> {
    const params: unknown[] = [];
    const where = ['u.deleted_at IS NULL'];
    if (filter) where.push(filterToSql(filter, USER_FILTER_COLUMNS, params));
    const [{ total }]: Array<{ total: string }> = await this.db.dataSource.query(
      `SELECT count(*)::text AS total FROM users u WHERE ${where.join(' AND ')}`,
      params,
    );
    params.push(limit, offset);
    const rows: Row[] = limit
      ? await this.db.dataSource.query(
          `SELECT ${COLUMNS} FROM users u WHERE ${where.join(' AND ')} ORDER BY u.created_at, u.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
          params,
        )
      : [];
    return { total: Number(total), users: rows.map(toRecord) };
  }

  /**
   * Deletes a user the way an audit trail can live with: the row and id stay, the email becomes
   * a placeholder, names and roles are cleared, the password and every setup link are removed.
   */
  async anonymise(id: string, expectedVersions: number[], now: Date, tx: Transaction): Promise<UserRecord | null> {
    const em = managerFor(this.db, tx);
    const result: [Array<{ id: string }>, number] = await em.query(
      `UPDATE users SET email = $2, email_verified = false, given_name = NULL, family_name = NULL, roles = '{}',
         status = 'disabled', locked_until = NULL, deleted_at = $3, updated_at = $3, version = version + 1
       WHERE id = $1 AND deleted_at IS NULL AND version = ANY ($4::int[]) RETURNING id`,
      [id, `deleted-${id}@invalid`, now, expectedVersions],
    );
    const updated = Array.isArray(result[0]) ? result[0] : (result as unknown as Array<{ id: string }>);
    if (!updated.length) return null;
    await em.query(`DELETE FROM password_credentials WHERE user_id = $1`, [id]);
    await em.query(`DELETE FROM password_setup_tokens WHERE user_id = $1`, [id]);
    return this.find(id, tx);
  }

  async setPasswordHash(userId: string, hash: string, tx: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO password_credentials (user_id, hash, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at`,
      [userId, hash],
    );
  }

  /** The live user a setup token belongs to (whatever its state: callers check usability). */
  async ownerOfSetupToken(token: string): Promise<{ userId: string; email: string } | null> {
    const rows: Array<{ id: string; email: string }> = await this.db.dataSource.query(
      `SELECT u.id, u.email FROM password_setup_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.deleted_at IS NULL`,
      [hashSetupToken(token)],
    );
    return rows[0] ? { userId: rows[0].id, email: rows[0].email } : null;
  }

  /**
   * A credential changed (password set or removed): the user's version moves on, so an If-Match
   * read before (a pending approval's above all) no longer matches.
   */
  bumpVersion(userId: string, tx: Transaction, expectedVersion: number): Promise<boolean> {
    return moveUserVersion(managerFor(this.db, tx), userId, expectedVersion);
  }

  async removePassword(userId: string, tx: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(`DELETE FROM password_credentials WHERE user_id = $1`, [userId]);
  }

  /** Stores a new setup token (its hash) and voids the user's earlier unused ones of any purpose. */
  async issueSetupToken(userId: string, token: string, purpose: PasswordSetupPurpose, now: Date, expiresAt: Date, tx: Transaction): Promise<void> {
    const em = managerFor(this.db, tx);
    await em.query(`DELETE FROM password_setup_tokens WHERE user_id = $1 AND used_at IS NULL`, [userId]);
    await em.query(
      `INSERT INTO password_setup_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [hashSetupToken(token), userId, purpose, now, expiresAt],
    );
  }

  /**
   * Marks the token used, atomically (two concurrent submissions cannot both win), when it is
   * unused, unexpired and its user live. Returns the user id and purpose, or null.
   */
  async consumeSetupToken(token: string, now: Date, tx: Transaction): Promise<{ userId: string; purpose: PasswordSetupPurpose } | null> {
    const result: [Array<{ user_id: string; purpose: PasswordSetupPurpose }>, number] = await managerFor(this.db, tx).query(
      `UPDATE password_setup_tokens t SET used_at = $2
       FROM users u
       WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND u.id = t.user_id AND u.deleted_at IS NULL
       RETURNING t.user_id, t.purpose`,
      [hashSetupToken(token), now],
    );
    const rows = Array.isArray(result[0]) ? result[0] : (result as unknown as Array<{ user_id: string; purpose: PasswordSetupPurpose }>);
    return rows[0] ? { userId: rows[0].user_id, purpose: rows[0].purpose } : null;
  }

  /** Whether the token would be accepted now (to show the form, not to use it). */
  async isSetupTokenUsable(token: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.dataSource.query(
      `SELECT 1 FROM password_setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
      [hashSetupToken(token), now],
    );
    return rows.length > 0;
  }
}

function toRecord(r: Row): UserRecord {
  return {
    id: r.id,
    email: r.email,
    emailVerified: r.email_verified,
    givenName: r.given_name,
    familyName: r.family_name,
    status: r.status,
    roles: r.roles,
    externalId: r.external_id,
    effectiveRoles: [...new Set(r.effective_roles)],
    lockedUntil: r.locked_until,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
    hasPassword: r.has_password,
  };
}

