import { Injectable } from '@nestjs/common';
import { ProblemError } from '../admin/index.js';
import { UnitOfWork, type Transaction } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import type { DirectoryFilter } from './directory-filter.js';
import { IdentityError, IdentityErrorCode } from './identity.errors.js';
import type { GroupSnapshot } from './identity.events.js';
import { GroupsRepository, type GroupFields, type GroupRecord } from './groups.repository.js';

export interface GroupAction {
  actor: EventActor;
  correlationId?: string;
  /** Versions the caller read (If-Match); undefined means whatever is current. */
  expectedVersions?: number[];
  /**
   * Versions of users this change gives a protected role, as they were when it was requested
   * (dual control): a password, factor or profile change made since fails the change (412), as
   * a stale If-Match of the user would. Undefined: not checked.
   */
  expectedMemberVersions?: Record<string, number>;
  /**
   * Roles whose holders this caller may not touch (the protected roles, for anyone but
   * super-admin): a change that adds or removes such a holder, or changes the roles of a group
   * with one, is refused (403), checked in the write's transaction with their rows locked.
   */
  refuseHoldersOf?: readonly string[];
  /** Throws to refuse, given the group as it is (null on create) and as it would be. */
  authorize?: (current: GroupRecord | null, next: GroupFields) => void;
}

const ROLE = /^[a-z0-9][a-z0-9:_-]{0,63}$/;

/**
 * Groups: a name, the directory's external id, the roles the group grants its members, and
 * the members (users). Every change publishes group.* in the same unit of work as the write,
 * with before and after, so the change and its audit record commit together or not at all.
 * Rules: the name is 1-200 characters and unique (case-insensitive); roles are role names;
 * every member is a live user.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly repo: GroupsRepository,
    private readonly bus: EventBus,
    private readonly uow: UnitOfWork,
  ) {}

  async get(id: string): Promise<GroupRecord> {
    const group = await this.repo.find(id);
    if (!group) throw notFound();
    return group;
  }

  search(filter: DirectoryFilter | undefined, offset: number, limit: number) {
    return this.repo.search(filter, offset, limit);
  }

  async create(input: GroupFields, action: GroupAction): Promise<GroupRecord> {
    const fields = normalise(input);
    action.authorize?.(null, fields);
    return this.uow.run(async (tx) => {
      await this.assertMembers(fields.members, tx);
      await this.assertMemberVersions(action.expectedMemberVersions, tx);
      await this.touched(null, fields, action, tx);
      const id = await this.repo.insert(fields, new Date(), tx);
      const created = (await this.repo.find(id, tx))!;
      await this.bus.publish('group.created', { groupId: id, after: snapshot(created) }, { actor: action.actor, correlationId: action.correlationId, tx });
      return created;
    });
  }

  /** Replaces every field; `change` computes the new fields from the current group (PATCH) inside the same check. */
  async replace(id: string, change: (current: GroupRecord) => GroupFields, action: GroupAction): Promise<GroupRecord> {
    const current = await this.get(id);
    if (action.expectedVersions && !action.expectedVersions.includes(current.version)) throw versionMismatch();
    const fields = normalise(change(current));
    action.authorize?.(current, fields);
    const before = snapshot(current);
    const planned: GroupSnapshot = { ...fields, members: [...fields.members].sort() };
    const changed = changedFields(before, planned);
    if (!changed.length) return current;
    return this.uow.run(async (tx) => {
      await this.assertMembers(fields.members.filter((m) => !current.members.some((c) => c.id === m)), tx);
      await this.assertMemberVersions(action.expectedMemberVersions, tx);
      await this.touched(current, fields, action, tx);
      if (!(await this.repo.replace(id, [current.version], fields, new Date(), tx))) throw versionMismatch();
      const updated = (await this.repo.find(id, tx))!;
      const after = snapshot(updated);
      await this.bus.publish('group.updated', { groupId: id, changed: changedFields(before, after), before, after }, {
        actor: action.actor,
        correlationId: action.correlationId,
        tx,
      });
      return updated;
    });
  }

  async delete(id: string, action: GroupAction): Promise<void> {
    const current = await this.get(id);
    if (action.expectedVersions && !action.expectedVersions.includes(current.version)) throw versionMismatch();
    action.authorize?.(current, { displayName: current.displayName, externalId: current.externalId, roles: [], members: [] });
    await this.uow.run(async (tx) => {
      await this.touched(current, { displayName: current.displayName, externalId: current.externalId, roles: [], members: [] }, action, tx);
      if (!(await this.repo.delete(id, [current.version], tx))) throw versionMismatch();
      await this.bus.publish('group.deleted', { groupId: id, before: snapshot(current) }, { actor: action.actor, correlationId: action.correlationId, tx });
    });
  }

  /**
   * The users whose effective roles this write changes (added or removed members of a group with
   * roles; every member when the roles change): their versions move on and their rows are locked
   * in the write's transaction, and a caller who may not touch protected-role holders is refused
   * if one of them is one.
   */
  private async touched(current: GroupRecord | null, next: GroupFields, action: GroupAction, tx: Transaction): Promise<void> {
    const before = current?.members.map((m) => m.id) ?? [];
    const rolesBefore = [...(current?.roles ?? [])].sort().join(' ');
    const rolesAfter = [...next.roles].sort().join(' ');
    const changedMembers = [...before.filter((m) => !next.members.includes(m)), ...next.members.filter((m) => !before.includes(m))];
    const affected = rolesBefore !== rolesAfter ? [...new Set([...before, ...next.members])] : rolesAfter ? changedMembers : [];
    if (!affected.length) return;
    await this.repo.touchUsers(affected, tx);
    if (!action.refuseHoldersOf?.length) return;
    const holders = await this.repo.holdersOf(affected, action.refuseHoldersOf, tx);
    if (holders.length) {
      throw new ProblemError({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: `only super-admin may change the groups of a user who holds an admin role or the break-glass role: ${holders.join(', ')}`,
      });
    }
  }

  /** The current versions of these users (ETags), for a change that waits for approval to hold them to. */
  async memberVersions(ids: readonly string[]): Promise<Record<string, number>> {
    return Object.fromEntries(await this.repo.userVersions(ids));
  }

  private async assertMemberVersions(expected: Record<string, number> | undefined, tx: Transaction): Promise<void> {
    if (!expected) return;
    const now = await this.repo.userVersions(Object.keys(expected), tx);
    const moved = Object.entries(expected).filter(([id, version]) => now.get(id) !== version);
    if (moved.length) {
      throw new IdentityError(
        IdentityErrorCode.VERSION_MISMATCH,
        `a member this change gives a protected role changed since it was requested (password, second factor or profile): ${moved.map(([id]) => id).join(', ')}; reject it and request it again`,
      );
    }
  }

  /** 400 naming the members that are not live users (the checks a held change passes before it waits). */
  async assertMembers(ids: readonly string[], tx?: Parameters<GroupsRepository['liveUsers']>[1]): Promise<void> {
    if (!ids.length) return;
    const live = new Set((await this.repo.liveUsers(ids, tx)).map((u) => u.id));
    const unknown = ids.filter((id) => !live.has(id));
    if (unknown.length) {
      throw new IdentityError(IdentityErrorCode.INVALID_GROUP, `members: no such user: ${unknown.join(', ')}`, [
        { field: 'members', message: `no such user: ${unknown.join(', ')}` },
      ]);
    }
  }
}

function normalise(input: GroupFields): GroupFields {
  const displayName = input.displayName?.trim() ?? '';
  const problems: Array<{ field: string; message: string }> = [];
  if (!displayName || displayName.length > 200) problems.push({ field: 'displayName', message: 'must be 1 to 200 characters' });
  if (input.externalId !== null && input.externalId !== undefined && (input.externalId.length < 1 || input.externalId.length > 255)) {
    problems.push({ field: 'externalId', message: 'must be 1 to 255 characters' });
  }
  const badRole = input.roles.find((r) => !ROLE.test(r));
  if (badRole !== undefined) problems.push({ field: 'roles', message: `must be lowercase role names (not ${JSON.stringify(badRole).slice(0, 80)})` });
  if (input.roles.length > 50) problems.push({ field: 'roles', message: 'at most 50' });
  if (problems.length) throw new IdentityError(IdentityErrorCode.INVALID_GROUP, problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  return { displayName, externalId: input.externalId ?? null, roles: [...new Set(input.roles)], members: [...new Set(input.members.map((m) => m.toLowerCase()))] };
}

export function snapshot(g: GroupRecord): GroupSnapshot {
  return { displayName: g.displayName, externalId: g.externalId, roles: [...g.roles], members: g.members.map((m) => m.id).sort() };
}

function changedFields(before: GroupSnapshot, after: GroupSnapshot): string[] {
  return (Object.keys(after) as Array<keyof GroupSnapshot>).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

function notFound(): IdentityError {
  return new IdentityError(IdentityErrorCode.GROUP_NOT_FOUND, 'no such group');
}

function versionMismatch(): IdentityError {
  return new IdentityError(IdentityErrorCode.VERSION_MISMATCH, 'the group changed since it was read');
}
