import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';
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

const USER_COLUMNS = ['id', 'email', 'emailVerified', 'givenName', 'familyName', 'status', 'roles', 'lockedUntil', 'version'] as const;

@Injectable()
export class IdentityRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  private get users() {
    return this.db.dataSource.getRepository(UserEntity);
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return this.withGroups(await this.users.findOne({ where: { id }, select: Object.fromEntries(USER_COLUMNS.map((c) => [c, true])) }));
  }

  /** The user the directory knows by this external id (SCIM externalId, or an upstream subject). */
  async findByExternalId(externalId: string): Promise<StoredUser | null> {
    return this.withGroups(
      await this.users
        .createQueryBuilder('u')
        .select(USER_COLUMNS.map((c) => `u.${c}`))
        .where('u.external_id = :externalId AND u.deleted_at IS NULL', { externalId })
        .getOne(),
    );
  }

  /**
   * Every reader of a user for sign-in, claims or authority gets effective roles: a role
   * granted through a group counts exactly like one held directly.
   */
  private async withGroups(user: Omit<StoredUser, 'groups'> | null): Promise<StoredUser | null> {
    if (!user) return null;
    const rows: Array<{ display_name: string; roles: string[] }> = await this.db.dataSource.query(
      `SELECT g.display_name, g.roles FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1`,
      [user.id],
    );
    return { ...user, ...effectiveRoles(user.roles, rows.map((r) => ({ name: r.display_name, roles: r.roles }))) };
  }

  async findByEmail(email: string): Promise<StoredUser | null> {
    return this.users
      .createQueryBuilder('u')
      .select(USER_COLUMNS.map((c) => `u.${c}`))
      .where('lower(u.email) = lower(:email)', { email })
      .getOne()
      .then((u) => this.withGroups(u));
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
    const row = await this.db.dataSource.getRepository(PasswordCredentialEntity).findOne({ where: { userId }, select: { hash: true } });
    return row?.hash ?? null;
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
