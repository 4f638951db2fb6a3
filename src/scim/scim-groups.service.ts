import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { GroupsService, type GroupAction, type GroupFields, type GroupRecord } from '../identity/users-admin.module.js';
import { GROUP_FILTER_ATTRIBUTES, parseScimFilter } from './scim-filter.js';
import { applyPatch } from './scim-patch.js';
import { readScimGroup, toScimGroup, type ScimGroupInput } from './scim-resources.js';
import { provisioningRefusal } from './scim-rules.js';
import type { ScimContext } from './scim-users.service.js';

/**
 * SCIM Groups on top of identity's GroupsService. The roles a group grants are Caduceus's
 * extension (urn:caduceus:params:scim:schemas:extension:2.0:Group `roles`); a request that
 * does not name them leaves them as they are, so a directory that knows nothing of roles
 * (Entra ID, Okta) never clears what an administrator set.
 */
@Injectable()
export class ScimGroupsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly groups: GroupsService,
  ) {}

  async get(id: string): Promise<Record<string, unknown>> {
    return toScimGroup(await this.groups.get(id), this.config.issuer);
  }

  async list(filter: string | undefined, startIndex: number, count: number, excludeMembers: boolean) {
    const parsed = filter ? parseScimFilter(filter, GROUP_FILTER_ATTRIBUTES) : undefined;
    const { total, groups } = await this.groups.search(parsed, startIndex - 1, count);
    return {
      total,
      resources: groups.map((g) => {
        const scim = toScimGroup(g, this.config.issuer);
        if (excludeMembers) delete scim.members;
        return scim;
      }),
    };
  }

  create(body: unknown, ctx: ScimContext): Promise<GroupRecord> {
    const input = readScimGroup(body);
    return this.groups.create(fields(input, undefined), this.action(ctx));
  }

  replace(id: string, body: unknown, ctx: ScimContext): Promise<GroupRecord> {
    const input = readScimGroup(body);
    return this.groups.replace(id, (current) => fields(input, current), this.action(ctx));
  }

  patch(id: string, body: unknown, ctx: ScimContext): Promise<GroupRecord> {
    return this.groups.replace(
      id,
      (current) => fields(readScimGroup(applyPatch(toScimGroup(current, this.config.issuer), body)), current),
      this.action(ctx),
    );
  }

  delete(id: string, ctx: ScimContext): Promise<void> {
    return this.groups.delete(id, this.action(ctx));
  }

  private action(ctx: ScimContext): GroupAction {
    return {
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      expectedVersions: ctx.expectedVersions,
      authorize: (current, next) => {
        const refusal = provisioningRefusal(this.config.breakGlass.role, current?.roles ?? [], next.roles);
        if (refusal) throw refusal;
      },
    };
  }
}

function fields(input: ScimGroupInput, current: GroupRecord | undefined): GroupFields {
  return {
    displayName: input.displayName,
    externalId: input.externalId === undefined ? (current?.externalId ?? null) : input.externalId,
    roles: input.roles ?? current?.roles ?? [],
    members: input.members,
  };
}
