import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { protectedRolesIn } from '../admin/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction, rowsOf } from '../database/index.js';
import { EventBus, type BusEvent, type EventDelivery } from '../events/index.js';
import type { GroupSnapshot } from './identity.events.js';

/** Who gained which protected roles through one change of a group. */
export function protectedGainsOfGroup(before: GroupSnapshot | null, after: GroupSnapshot, breakGlassRole: string): Map<string, string[]> {
  const now = protectedRolesIn(after.roles, breakGlassRole);
  const gains = new Map<string, string[]>();
  if (!now.length) return gains;
  const had = new Set(before ? protectedRolesIn(before.roles, breakGlassRole) : []);
  const earlier = new Set(before?.members ?? []);
  for (const member of after.members) {
    const gained = earlier.has(member) ? now.filter((r) => !had.has(r)) : now;
    if (gained.length) gains.set(member, gained);
  }
  return gains;
}

/**
 * A person who gains a protected role (an admin role or the break-glass role) keeps nothing that
 * someone with less authority prepared for them. Before the grant, a user-admin may issue their
 * setup link or enrolment code; after it, only super-admin may. So whatever path grants the role
 * (PATCH, a group's roles or members, an approved change: each publishes user.updated or
 * group.*), in the grant's own
 * unit of work: every unused password setup link of theirs is voided, and
 * `user.protected_role_granted` is published, on which mfa/ voids enrolment codes and allowances
 * (and a password no second factor backs) and oidc/ ends their sessions.
 */
@Injectable()
export class ProtectedRoleGrants {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: OpenedDatabase,
    private readonly bus: EventBus,
  ) {}

  @OnEvent('user.updated', { async: true, promisify: true, suppressErrors: false })
  async onUserUpdated(event: BusEvent<'user.updated'>, delivery?: EventDelivery): Promise<void> {
    const role = this.config.breakGlass.role;
    const had = new Set(protectedRolesIn(event.payload.before.roles, role));
    const gained = protectedRolesIn(event.payload.after.roles, role).filter((r) => !had.has(r));
    if (gained.length) await this.granted(event.payload.userId, gained, { via: 'user' }, event, delivery?.tx);
  }

  @OnEvent('group.created', { async: true, promisify: true, suppressErrors: false })
  @OnEvent('group.updated', { async: true, promisify: true, suppressErrors: false })
  async onGroupChanged(event: BusEvent<'group.created'> | BusEvent<'group.updated'>, delivery?: EventDelivery): Promise<void> {
    const before = 'before' in event.payload ? event.payload.before : null;
    const gains = protectedGainsOfGroup(before, event.payload.after, this.config.breakGlass.role);
    for (const [userId, roles] of gains) await this.granted(userId, roles, { via: 'group', groupId: event.payload.groupId }, event, delivery?.tx);
  }

  private async granted(
    userId: string,
    roles: string[],
    through: { via: 'user' } | { via: 'group'; groupId: string },
    cause: BusEvent<'user.updated'> | BusEvent<'group.created'> | BusEvent<'group.updated'>,
    tx: Transaction | undefined,
  ): Promise<void> {
    const voided = await managerFor(this.db, tx).query(`DELETE FROM password_setup_tokens WHERE user_id = $1 AND used_at IS NULL RETURNING 1`, [userId]);
    await this.bus.publish(
      'user.protected_role_granted',
      { userId, roles, ...through, setupLinksVoided: rowsOf(voided).length },
      { actor: cause.actor, correlationId: cause.correlationId, tx },
    );
  }
}

