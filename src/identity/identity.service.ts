import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { PoliciesService } from '../policies/index.js';
import { IdentityError, IdentityErrorCode } from './identity.errors.js';
import { IdentityRepository, type StoredUser } from './identity.repository.js';
import { PasswordHasher } from './password-hasher.js';
import { checkPassword } from './password-policy.js';

export type User = StoredUser;

export const newUserSchema = z.object({
  email: z.email('must be a valid email address').max(320),
  emailVerified: z.boolean().default(false),
  givenName: z.string().trim().min(1).max(100).optional(),
  familyName: z.string().trim().min(1).max(100).optional(),
  roles: z.array(z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name')).max(50).default([]),
  password: z.string().optional(),
  externalId: z.string().trim().min(1).max(255).optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

/** Standard claims by scope, from a user record (identity never decides what a client may see). */
export interface UserClaims {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  roles: string[];
  /** Names of the user's groups (the `groups` scope). */
  groups: string[];
}

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_user' | 'bad_password' | 'disabled' | 'locked' | 'no_password'; user?: User };

/**
 * Users, their password credentials and the password policy. Every check of a password
 * costs one argon2id verification, whether or not the account exists. Every new password,
 * whoever sets it (administrator, invitation or reset link, the user), passes the same rules:
 * assertPasswordAllowed, with the length bounds of the runtime policy.
 */
@Injectable()
export class IdentityService {
  readonly hasher = new PasswordHasher();

  constructor(
    private readonly repo: IdentityRepository,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
    private readonly policies: PoliciesService,
  ) {}

  /**
   * Creates the user (and password) and publishes user.created in one unit of work; `within`
   * adds the caller's own writes for the new user (an invitation link) to that unit, so all of
   * it and its audit records commit together or not at all. The hash is computed before the
   * unit opens.
   */
  async createUser(input: NewUser, actor?: EventActor, within?: (user: User, tx: Transaction) => Promise<void>): Promise<User> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
      throw new IdentityError(IdentityErrorCode.INVALID_USER, fields.map((f) => `${f.field} ${f.message}`).join('; '), fields);
    }
    const u = parsed.data;
    if (u.password !== undefined) await this.assertPasswordAllowed(u.password, u.email);
    const user: StoredUser = {
      id: randomUUID(),
      email: u.email.trim(),
      emailVerified: u.emailVerified,
      givenName: u.givenName ?? null,
      familyName: u.familyName ?? null,
      status: 'active',
      roles: u.roles,
      externalId: u.externalId ?? null,
      groups: [],
      lockedUntil: null,
      version: 1,
    };
    const hash = u.password !== undefined ? await this.hasher.hash(u.password.normalize('NFKC')) : null;
    await this.uow.run(async (tx) => {
      await this.repo.insertUser(user, hash, tx);
      await this.bus.publish('user.created', { userId: user.id, email: user.email, roles: user.roles, withPassword: Boolean(hash) }, { actor, tx });
      await within?.(user, tx);
    });
    return user;
  }

  /** The password length bounds in force (the runtime policy administrators set). */
  async passwordLength(): Promise<{ minLength: number; maxLength: number }> {
    const { minLength, maxLength } = (await this.policies.cached()).policies.password;
    return { minLength, maxLength };
  }

  /** Throws WEAK_PASSWORD naming every rule the password breaks, the policy's length bounds included. */
  async assertPasswordAllowed(password: string, email?: string): Promise<void> {
    const problems = checkPassword(password, { email, ...(await this.passwordLength()) });
    if (problems.length) {
      throw new IdentityError(
        IdentityErrorCode.WEAK_PASSWORD,
        `password ${problems.map((p) => p.message).join('; ')}`,
        problems.map((p) => ({ field: 'password', message: p.message })),
      );
    }
  }

  /** A user's own change of password: the same rules as every other new password. */
  async changePassword(userId: string, password: string, actor?: EventActor): Promise<void> {
    const user = await this.repo.findById(userId);
    if (!user) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    await this.assertPasswordAllowed(password, user.email);
    const hash = await this.hasher.hash(password.normalize('NFKC'));
    await this.uow.run(async (tx) => {
      await this.repo.upsertPasswordHash(userId, hash, tx);
      await this.bus.publish('user.password.changed', { userId, reason: 'changed' }, { actor, tx });
    });
  }

  /**
   * Verifies an email and password. Unknown emails still pay one argon2id verification, so
   * neither the answer nor its timing tells whether the account exists. A hash made with
   * weaker parameters than today's is upgraded after a successful check.
   */
  async checkPassword(email: string, password: string, now = new Date()): Promise<PasswordCheck> {
    const user = await this.repo.findByEmail(email.trim());
    const stored = user ? await this.repo.findPasswordHash(user.id) : null;
    const candidate = password.normalize('NFKC');
    const matches = stored ? await this.hasher.verify(stored, candidate) : await this.hasher.verifyDummy(candidate);
    if (!user) return { ok: false, reason: 'unknown_user' };
    if (!stored) return { ok: false, reason: 'no_password', user };
    if (!matches) return { ok: false, reason: 'bad_password', user };
    if (user.status === 'disabled') return { ok: false, reason: 'disabled', user };
    if (user.status === 'locked' || (user.lockedUntil && user.lockedUntil > now)) return { ok: false, reason: 'locked', user };
    if (this.hasher.needsRehash(stored)) {
      await this.repo.upsertPasswordHash(user.id, await this.hasher.hash(candidate));
      await this.bus.publish('user.password.changed', { userId: user.id, reason: 'rehashed' }, { actor: { type: 'system', id: 'caduceus' } });
    }
    return { ok: true, user };
  }

  /**
   * Disables a user: no sign-in, no token, no claims from now on. The event is awaited so the
   * user's sessions and tokens are revoked before this returns.
   */
  async disableUser(userId: string, actor?: EventActor): Promise<void> {
    if (!(await this.repo.setStatus(userId, 'disabled'))) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    await this.bus.publish('user.disabled', { userId }, { actor });
  }

  async enableUser(userId: string, actor?: EventActor): Promise<void> {
    if (!(await this.repo.setStatus(userId, 'active'))) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    await this.bus.publish('user.enabled', { userId }, { actor });
  }

  /**
   * Removes the password inside the caller's unit of work (the caller's event records why);
   * the person gets a new one through a setup link. True when there was one.
   */
  removePassword(userId: string, tx?: Transaction): Promise<boolean> {
    return this.repo.deletePasswordHash(userId, tx);
  }

  async findById(id: string): Promise<User | null> {
    return this.repo.findById(id);
  }

  async findByEmail(email: string): Promise<User | null> {
    return this.repo.findByEmail(email);
  }

  /** Records a temporary lock decided by the sign-in throttle (the user is told nothing different). */
  async lockUntil(userId: string, until: Date, failures: number): Promise<void> {
    await this.repo.setLockedUntil(userId, until);
    await this.bus.publish('user.locked', { userId, until: until.toISOString(), failures });
  }

  async clearLock(userId: string): Promise<void> {
    await this.repo.setLockedUntil(userId, null);
  }

  /** Claims of an active user, or null (unknown or disabled: no token may describe them). */
  async claims(userId: string): Promise<UserClaims | null> {
    const user = await this.repo.findById(userId);
    if (!user || user.status === 'disabled') return null;
    const name = [user.givenName, user.familyName].filter(Boolean).join(' ');
    return {
      sub: user.id,
      email: user.email,
      email_verified: user.emailVerified,
      ...(name ? { name } : {}),
      ...(user.givenName ? { given_name: user.givenName } : {}),
      ...(user.familyName ? { family_name: user.familyName } : {}),
      roles: user.roles,
      groups: user.groups,
    };
  }

  /** The active or disabled user the directory knows by this external id (never by email). */
  async findByExternalId(externalId: string): Promise<User | null> {
    return this.repo.findByExternalId(externalId);
  }
}
