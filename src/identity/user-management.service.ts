import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { IdentityError, IdentityErrorCode } from './identity.errors.js';
import type { UserSnapshot } from './identity.events.js';
import { IdentityService } from './identity.service.js';
import type { PasswordSetupPurpose } from './entities/password-setup-token.entity.js';
import { UsersAdminRepository, type UserChanges, type UserListQuery, type UserRecord } from './users-admin.repository.js';
import type { CreateUserInput, UpdateUserInput } from './users.schemas.js';
import type { DirectoryFilter } from './directory-filter.js';

/** Invitations give a new colleague a few days; a reset link is for now. */
export const SETUP_LINK_TTL_MS: Record<PasswordSetupPurpose, number> = { invitation: 72 * 3600_000, reset: 24 * 3600_000 };
export const PASSWORD_SETUP_PATH = '/account/password-setup';

export interface UserAction {
  actor: EventActor;
  correlationId?: string;
  /** Versions the caller read (If-Match); undefined means whatever is current. */
  expectedVersions?: number[];
  /** Throws to refuse, given the user as it is and the roles it would have. */
  authorize?: (current: UserRecord, nextRoles?: string[]) => void;
}

export interface SetupLink {
  url: string;
  expiresAt: Date;
}

/**
 * What administrators do to users after the sign-in module's basics: create (with a password
 * or an invitation link), read, list, update, disable/enable, delete (anonymise), reset the
 * password. Every change is a compare-and-swap on the user's version and publishes its event
 * in the same unit of work: the change, its audit record and its listeners' reactions (ended
 * sessions, removed factors) commit together or not at all.
 * Passwords are checked by IdentityService.assertPasswordAllowed (the runtime length policy and
 * the fixed rules of password-policy.ts), as every other new password is.
 */
@Injectable()
export class UserManagementService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly identity: IdentityService,
    private readonly repo: UsersAdminRepository,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {}

  async create(input: Omit<CreateUserInput, 'invite'> & { invite?: boolean; externalId?: string }, action: UserAction): Promise<{ user: UserRecord; link: SetupLink | null }> {
    let link: SetupLink | null = null;
    const created = await this.identity.createUser(
      {
        email: input.email,
        emailVerified: input.emailVerified,
        givenName: input.givenName,
        familyName: input.familyName,
        roles: input.roles,
        password: input.password,
        externalId: input.externalId,
      },
      action.actor,
      input.invite
        ? async (user, tx) => {
            link = await this.issueLink(user.id, 'invitation', action, tx);
          }
        : undefined,
    );
    return { user: await this.get(created.id), link };
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.repo.find(id);
    if (!user) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    return user;
  }

  list(query: UserListQuery) {
    return this.repo.list(query);
  }

  /** Live users matching a directory filter (SCIM), offset paging with the total. */
  search(filter: DirectoryFilter | undefined, offset: number, limit: number) {
    return this.repo.search(filter, offset, limit);
  }

  async update(id: string, patch: UpdateUserInput & { externalId?: string | null }, action: UserAction): Promise<UserRecord> {
    const current = await this.live(id, action);
    action.authorize?.(current, patch.roles);
    const email = patch.email?.trim();
    // A new address is unverified unless the administrator says otherwise: ID tokens must not vouch for it.
    const emailChanged = email !== undefined && email.toLowerCase() !== current.email.toLowerCase();
    const changes: UserChanges = {
      email,
      emailVerified: patch.emailVerified ?? (emailChanged ? false : undefined),
      givenName: patch.givenName,
      familyName: patch.familyName,
      roles: patch.roles ? [...new Set(patch.roles)] : undefined,
      externalId: patch.externalId,
    };
    return this.apply(current, changes, action);
  }

  /** Disable ends every session and token of the user before returning (user.disabled listeners). */
  async setEnabled(id: string, enabled: boolean, action: UserAction): Promise<UserRecord> {
    const current = await this.live(id, action);
    action.authorize?.(current);
    const target = enabled ? 'active' : 'disabled';
    if (current.status === target) return current;
    return this.uow.run(async (tx) => {
      const updated = await this.swap(current, { status: target }, tx);
      await this.bus.publish(enabled ? 'user.enabled' : 'user.disabled', { userId: id }, eventOptions(action, tx));
      return updated;
    });
  }

  /** Deactivates and anonymises; the id stays so audit records keep pointing at it. */
  async delete(id: string, action: UserAction): Promise<void> {
    const current = await this.live(id, action);
    action.authorize?.(current);
    await this.uow.run(async (tx) => {
      const deleted = await this.repo.anonymise(id, [current.version], new Date(), tx);
      if (!deleted) throw versionMismatch();
      await this.bus.publish('user.deleted', { userId: id }, eventOptions(action, tx));
    });
  }

  /** Sets a new password (policy-checked) or issues a reset link; either way the old password is gone and the user's version (ETag) moves on. */
  async resetPassword(id: string, input: { password?: string; link?: boolean }, action: UserAction): Promise<SetupLink | null> {
    const current = await this.live(id, action);
    action.authorize?.(current);
    if (input.password !== undefined) {
      await this.assertPassword(input.password, current.email);
      const hash = await this.identity.hasher.hash(input.password.normalize('NFKC'));
      await this.uow.run(async (tx) => {
        // A compare-and-swap on the version the permission was checked on, first: a role granted
        // since (directly or through a group, either moves the version) makes this 412, and a
        // grant that commits after this finds the password and voids it (ProtectedRoleGrants).
        if (!(await this.repo.bumpVersion(id, tx, current.version))) throw versionMismatch();
        await this.repo.setPasswordHash(id, hash, tx);
        await this.bus.publish('user.password.reset', { userId: id, method: 'set' }, eventOptions(action, tx));
      });
      return null;
    }
    return this.uow.run(async (tx) => {
      if (!(await this.repo.bumpVersion(id, tx, current.version))) throw versionMismatch();
      await this.repo.removePassword(id, tx);
      const link = await this.issueLink(id, 'reset', action, tx);
      await this.bus.publish('user.password.reset', { userId: id, method: 'link' }, eventOptions(action, tx));
      return link;
    });
  }

  /**
   * Sets the password behind a setup link. Rules: the password passes the policy before the
   * link is spent (a typo does not burn it); the link is then consumed atomically, so it works
   * once, only before it expires, and only for a user that still exists.
   */
  async completePasswordSetup(token: string, password: string): Promise<boolean> {
    if (!(await this.repo.isSetupTokenUsable(token, new Date()))) return false;
    const owner = await this.repo.ownerOfSetupToken(token);
    if (!owner) return false;
    await this.assertPassword(password, owner.email);
    const hash = await this.identity.hasher.hash(password.normalize('NFKC'));
    return this.uow.run(async (tx) => {
      const consumed = await this.repo.consumeSetupToken(token, new Date(), tx);
      if (!consumed) return false;
      await this.repo.setPasswordHash(consumed.userId, hash, tx);
      await this.bus.publish('user.password.changed', { userId: consumed.userId, reason: 'set' }, { actor: { type: 'user', id: consumed.userId }, tx });
      return true;
    });
  }

  isSetupTokenUsable(token: string): Promise<boolean> {
    return this.repo.isSetupTokenUsable(token, new Date());
  }

  assertPassword(password: string, email: string): Promise<void> {
    return this.identity.assertPasswordAllowed(password, email);
  }

  /** The length bounds a new password must meet now (for the forms that ask for one). */
  passwordLength(): Promise<{ minLength: number; maxLength: number }> {
    return this.identity.passwordLength();
  }

  private async issueLink(userId: string, purpose: PasswordSetupPurpose, action: UserAction, tx: Transaction): Promise<SetupLink> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + SETUP_LINK_TTL_MS[purpose]);
    await this.repo.issueSetupToken(userId, token, purpose, now, expiresAt, tx);
    await this.bus.publish('user.password.link_issued', { userId, purpose, expiresAt: expiresAt.toISOString() }, eventOptions(action, tx));
    return { url: `${this.config.issuer.replace(/\/+$/, '')}${PASSWORD_SETUP_PATH}?token=${token}`, expiresAt };
  }

  private async live(id: string, action: UserAction): Promise<UserRecord> {
    const current = await this.repo.find(id);
    if (!current || current.deletedAt) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    if (action.expectedVersions && !action.expectedVersions.includes(current.version)) throw versionMismatch();
    return current;
  }

  private async apply(current: UserRecord, changes: UserChanges, action: UserAction): Promise<UserRecord> {
    const before = snapshotOf(current);
    const planned = snapshotOf({ ...current, ...definedOnly(changes) });
    const changed = changedFields(before, planned);
    if (!changed.length) return current;
    return this.uow.run(async (tx) => {
      const updated = await this.swap(current, changes, tx);
      const after = snapshotOf(updated);
      await this.bus.publish('user.updated', { userId: current.id, changed: changedFields(before, after), before, after }, eventOptions(action, tx));
      return updated;
    });
  }

  private async swap(current: UserRecord, changes: UserChanges, tx: Transaction): Promise<UserRecord> {
    const updated = await this.repo.update(current.id, [current.version], changes, new Date(), tx);
    if (!updated) throw versionMismatch();
    return updated;
  }
}

export function snapshotOf(
  user: Pick<UserRecord, 'email' | 'emailVerified' | 'givenName' | 'familyName' | 'roles' | 'status'> & { externalId?: string | null },
): UserSnapshot {
  return {
    email: user.email,
    emailVerified: user.emailVerified,
    givenName: user.givenName,
    familyName: user.familyName,
    roles: [...user.roles],
    status: user.status,
    ...(user.externalId ? { externalId: user.externalId } : {}),
  };
}

function changedFields(before: UserSnapshot, after: UserSnapshot): string[] {
  return (Object.keys(after) as Array<keyof UserSnapshot>).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function eventOptions(action: UserAction, tx: Transaction): { actor: EventActor; correlationId?: string; tx: Transaction } {
  return { actor: action.actor, correlationId: action.correlationId, tx };
}

function versionMismatch(): IdentityError {
  return new IdentityError(IdentityErrorCode.VERSION_MISMATCH, 'the user changed since it was read');
}
