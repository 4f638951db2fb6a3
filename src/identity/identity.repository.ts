import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';
import { uniqueViolation } from './identity.errors.js';
import { PasswordCredentialEntity } from './entities/password-credential.entity.js';
import { UserEntity, type UserStatus } from './entities/user.entity.js';
import { effectiveRoles } from './groups.rules.js';

export interface StoredUser {
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  status: UserStatus;
  /** Effective roles: the user's own plus those of every group they belong to (sorted, distinct). */
  roles: string[];
  externalId?: string | null;
  /** Names of the groups the user belongs to (sorted). */
  groups: string[];
  lockedUntil: Date | null;
  version: number;
}

interface UserRow {
  id: string;
  email: string;
  email_verified: boolean;
  given_name: string | null;
  family_name: string | null;
  status: UserStatus;
  roles: string[];
  locked_until: Date | null;
  version: number;
  member_of: Array<{ name: string; roles: string[] }>;
}

@Injectable()
export class IdentityRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get users() {
    return this.db.dataSource.getRepository(UserEntity);
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return this.findOne('u.id = $1', [id]);
  }

  /** The user the directory knows by this external id (SCIM externalId, or an upstream subject). */
  async findByExternalId(externalId: string): Promise<StoredUser | null> {
    return this.findOne('u.external_id = $1 AND u.deleted_at IS NULL', [externalId]);
  }

  async findByEmail(email: string): Promise<StoredUser | null> {
    return this.findOne('lower(u.email) = lower($1)', [email]);
  }

  /**
   * Every reader of a user for sign-in, claims or authority gets effective roles: a role
   * granted through a group counts exactly like one held directly. The user and their groups
   * in one statement: each sign-in and refresh reads a user, and a round trip costs more of the
   * service's CPU than the subquery costs PostgreSQL.
   */
  private async findOne(where: string, params: unknown[]): Promise<StoredUser | null> {
    const rows: UserRow[] = await this.db.dataSource.query(
      `SELECT u.id, u.email, u.email_verified, u.given_name, u.family_name, u.status, u.roles, u.locked_until, u.version,
         (SELECT coalesce(json_agg(json_build_object('name', g.display_name, 'roles', g.roles)), '[]'::json)
            FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id) AS member_of
       FROM users u WHERE ${where} LIMIT 1`,
      params,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      givenName: row.given_name,
      familyName: row.family_name,
      status: row.status,
      lockedUntil: row.locked_until,
      version: row.version,
      ...effectiveRoles(row.roles, row.member_of),
    };
  }

  /** Creates the user and, when given, the password hash, inside the caller's transaction. */
  async insertUser(user: StoredUser, passwordHash: string | null, tx: Transaction): Promise<void> {
    const now = new Date();
    const em = managerFor(this.db, tx);
    try {
      const { groups: _groups, ...row } = user;
      await em.getRepository(UserEntity).insert({ ...row, createdAt: now, updatedAt: now });
      if (passwordHash) await em.getRepository(PasswordCredentialEntity).insert({ userId: user.id, hash: passwordHash, updatedAt: now });
    } catch (cause) {
      if ((cause as { driverError?: { code?: string } }).driverError?.code === '23505') throw uniqueViolation(cause);
      throw cause;
    }
  }

  async findPasswordHash(userId: string): Promise<string | null> {
    const rows: Array<{ hash: string }> = await this.db.dataSource.query(`SELECT hash FROM password_credentials WHERE user_id = $1`, [userId]);
    return rows[0]?.hash ?? null;
  }

  /** Removes the password; true when there was one. */
  async deletePasswordHash(userId: string, tx?: Transaction): Promise<boolean> {
    return rowsOf(await managerFor(this.db, tx).query(`DELETE FROM password_credentials WHERE user_id = $1 RETURNING 1`, [userId])).length > 0;
  }

  async upsertPasswordHash(userId: string, hash: string, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx)
      .getRepository(PasswordCredentialEntity)
      .upsert({ userId, hash, updatedAt: new Date() }, { conflictPaths: ['userId'] });
  }

  async setStatus(userId: string, status: StoredUser['status']): Promise<boolean> {
    const result = await this.users.update({ id: userId }, { status, updatedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  async setLockedUntil(userId: string, until: Date | null): Promise<void> {
    await this.users.update({ id: userId }, { lockedUntil: until, updatedAt: new Date() });
  }
}
