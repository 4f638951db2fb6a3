import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityError, IdentityErrorCode, IdentityService } from '../identity/index.js';
import { GroupsService, UserManagementService, type UserAction, type UserRecord } from '../identity/users-admin.module.js';
import { parseScimFilter, USER_FILTER_ATTRIBUTES } from './scim-filter.js';
import { applyPatch } from './scim-patch.js';
import { readScimUser, toScimUser, type ScimUserInput } from './scim-resources.js';
import { provisioningRefusal } from './scim-rules.js';
import type { EventActor } from '../events/index.js';

export interface ScimContext {
  actor: EventActor;
  correlationId: string;
  expectedVersions?: number[];
}

/**
 * SCIM Users on top of identity's UserManagementService, so a SCIM change is exactly an admin
 * change (same checks, same events, same unit of work): `active: false` is the admin API's
 * disable and DELETE its delete, both ending every session and token of the user at once.
 */
@Injectable()
export class ScimUsersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UserManagementService,
    private readonly identity: IdentityService,
    private readonly groups: GroupsService,
  ) {}

  async get(id: string): Promise<Record<string, unknown>> {
    const user = await this.live(id);
    return this.present(user);
  }

  async list(filter: string | undefined, startIndex: number, count: number) {
    const parsed = filter ? parseScimFilter(filter, USER_FILTER_ATTRIBUTES) : undefined;
    const { total, users } = await this.users.search(parsed, startIndex - 1, count);
    return { total, resources: users.map((u) => toScimUser(u, this.config.issuer)) };
  }

  async create(body: unknown, ctx: ScimContext): Promise<UserRecord> {
    const input = readScimUser(body);
    this.refuse([], input.roles);
    const { user } = await this.users.create(
      {
        email: input.email,
        emailVerified: false,
        givenName: input.givenName ?? undefined,
        familyName: input.familyName ?? undefined,
        roles: input.roles ?? [],
        externalId: input.externalId ?? undefined,
      },
      this.action(ctx),
    );
    return input.active ? user : this.users.setEnabled(user.id, false, this.action(ctx));
  }

  async replace(id: string, body: unknown, ctx: ScimContext): Promise<UserRecord> {
    return this.write(id, readScimUser(body), ctx);
  }

  async patch(id: string, body: unknown, ctx: ScimContext): Promise<UserRecord> {
    const current = await this.live(id);
    if (ctx.expectedVersions && !ctx.expectedVersions.includes(current.version)) throw versionMismatch();
    const patched = applyPatch(toScimUser(current, this.config.issuer), body);
    return this.write(id, readScimUser(patched), { ...ctx, expectedVersions: ctx.expectedVersions ?? [current.version] });
  }

  async delete(id: string, ctx: ScimContext): Promise<void> {
    await this.live(id);
    await this.users.delete(id, this.action(ctx, await this.effectiveRoles(id)));
  }

  async present(user: UserRecord): Promise<Record<string, unknown>> {
    const { groups } = await this.groups.search({ attr: 'member', op: 'eq', value: user.id }, 0, 1000);
    return toScimUser(user, this.config.issuer, groups);
  }

  /** Profile and roles first, then active: a deactivation ends sessions and tokens through setEnabled, as the admin API's does. */
  private async write(id: string, input: ScimUserInput, ctx: ScimContext): Promise<UserRecord> {
    const current = await this.live(id);
    const action = this.action(ctx, await this.effectiveRoles(id), input.roles);
    const sameRoles = input.roles === undefined || JSON.stringify([...new Set(input.roles)].sort()) === JSON.stringify([...current.roles].sort());
    let user = await this.users.update(
      id,
      {
        email: input.email,
        givenName: input.givenName,
        familyName: input.familyName,
        ...(sameRoles ? {} : { roles: input.roles }),
        ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      },
      action,
    );
    const active = user.status !== 'disabled';
    if (active !== input.active) user = await this.users.setEnabled(id, input.active, { ...action, expectedVersions: [user.version] });
    return user;
  }

  private async live(id: string): Promise<UserRecord> {
    const user = await this.users.get(id);
    if (user.deletedAt) throw new IdentityError(IdentityErrorCode.USER_NOT_FOUND, 'no such user');
    return user;
  }

  /** The user's effective roles (own and groups') decide whether provisioning may touch them. */
  private async effectiveRoles(id: string): Promise<string[]> {
    return (await this.identity.findById(id))?.roles ?? [];
  }

  private action(ctx: ScimContext, held: string[] = [], nextRoles?: string[]): UserAction {
    return {
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      expectedVersions: ctx.expectedVersions,
      authorize: (current) => {
        const refusal = provisioningRefusal(this.config.breakGlass.role, [...current.roles, ...held], nextRoles);
        if (refusal) throw refusal;
      },
    };
  }

  private refuse(held: string[], next: string[] | undefined): void {
    const refusal = provisioningRefusal(this.config.breakGlass.role, held, next);
    if (refusal) throw refusal;
  }
}

function versionMismatch(): IdentityError {
  return new IdentityError(IdentityErrorCode.VERSION_MISMATCH, 'the user changed since it was read');
}
