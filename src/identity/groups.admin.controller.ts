import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiIfMatch,
  ApiProblems,
  etagOf,
  Idempotent,
  optionalIfMatch,
  ProblemError,
  protectedRoles,
  protectedRolesIn,
  requireIfMatch,
  withETag,
  type AdminEventContext,
  type AdminRequest,
  type AdminRole,
} from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService, groupGrantsHighRiskRole } from '../approvals/index.js';
import { GroupsService, type GroupAction } from './groups.service.js';
import type { GroupFields, GroupRecord } from './groups.repository.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';

const roleName = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name');
const groupBodySchema = z.strictObject({
  displayName: z.string().trim().min(1, 'must not be empty').max(200),
  externalId: z.string().trim().min(1).max(255).nullable().default(null),
  roles: z.array(roleName).max(50).default([]),
  members: z.array(z.uuid('must be a user id (UUID)')).max(10_000).default([]),
});
const memberBodySchema = z.strictObject({ userId: z.uuid('must be a user id (UUID)') });
const groupIdParam = z.uuid('must be a group id (UUID)');
const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().trim().min(1).max(200).optional().describe('fragment of the group name'),
});

const groupResponseSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  externalId: z.string().nullable(),
  roles: z.array(z.string()),
  members: z.array(z.object({ id: z.string(), email: z.string() })),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const groupPageSchema = z.object({ items: z.array(groupResponseSchema), total: z.number() });

function toGroupResponse(g: GroupRecord): z.output<typeof groupResponseSchema> {
  return { ...g, members: g.members.map((m) => ({ ...m })), createdAt: g.createdAt.toISOString(), updatedAt: g.updatedAt.toISOString() };
}

const path = (id: string) => `/admin/v1/groups/${id}`;

/**
 * /admin/v1/groups: groups and the roles they grant their members. user-admin manages them,
 * auditor may read; only super-admin may give a group a protected role (protectedRolesIn) or
 * change a group that has one (its members would hold that role). The directory provisions the same groups
 * through /scim/v2.
 */
@ApiTags('groups')
@Controller('admin/v1/groups')
export class GroupsAdminController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly groups: GroupsService,
    private readonly approvals: ApprovalsService,
  ) {
    // Dual control: the stored group, as the requester would have written it, written with the approver acting.
    approvals.register('groups.create', async (act: { fields: GroupFields; memberVersions?: Record<string, number> }, context) =>
      toGroupResponse(await this.groups.create(act.fields, { ...this.approvedAction(context.approverRoles, context, undefined, false), expectedMemberVersions: act.memberVersions })),
    );
    approvals.register('groups.update', async (act: { id: string; fields: GroupFields; expectedVersions: number[]; memberVersions?: Record<string, number> }, context) =>
      toGroupResponse(
        await this.groups.replace(act.id, () => act.fields, {
          ...this.approvedAction(context.approverRoles, context, act.expectedVersions, false),
          expectedMemberVersions: act.memberVersions,
        }),
      ),
    );
  }

  @Post()
  @AdminRoute('user-admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a group with the roles it grants and its members' })
  @ApiResponse({ status: 201, description: 'the group', standardSchema: groupResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 409)
  async create(@Body({ schema: groupBodySchema }) body: z.output<typeof groupBodySchema>, @Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const group = await this.holding(request, reply, (hold) => this.groups.create(body, this.action(request, undefined, hold)));
    if ('kind' in group) return group;
    reply.header('Location', path(group.id)).header('ETag', etagOf(group.version));
    return toGroupResponse(group);
  }

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'List groups in creation order (offset paging), optionally by a name fragment' })
  @ApiResponse({ status: 200, description: 'a page of groups', standardSchema: groupPageSchema })
  @ApiProblems(400)
  async list(@Query({ schema: listQuerySchema }) query: z.output<typeof listQuerySchema>) {
    const { total, groups } = await this.groups.search(query.q ? { attr: 'displayName', op: 'co', value: query.q } : undefined, query.offset, query.limit);
    return { items: groups.map(toGroupResponse), total };
  }

  @Get(':id')
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'One group; its ETag is what a change sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the group', standardSchema: groupResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: groupIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.groups.get(id), toGroupResponse);
  }

  @Put(':id')
  @AdminRoute('user-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Replace the name, external id, roles and members; audited with before and after' })
  @ApiResponse({ status: 200, description: 'the group', standardSchema: groupResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 404, 409, 412, 428)
  async replace(
    @Param('id', { schema: groupIdParam }) id: string,
    @Body({ schema: groupBodySchema }) body: z.output<typeof groupBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.replaced(request, reply, id, () => body, requireIfMatch(ifMatch));
  }

  @Post(':id/members')
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Add a member' })
  @ApiResponse({ status: 200, description: 'the group', standardSchema: groupResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 404, 412)
  async addMember(
    @Param('id', { schema: groupIdParam }) id: string,
    @Body({ schema: memberBodySchema }) body: z.output<typeof memberBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const change = (g: GroupRecord): GroupFields => ({ ...fieldsOf(g), members: [...g.members.map((m) => m.id), body.userId] });
    return this.replaced(request, reply, id, change, optionalIfMatch(ifMatch));
  }

  @Delete(':id/members/:userId')
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Remove a member' })
  @ApiResponse({ status: 200, description: 'the group', standardSchema: groupResponseSchema })
  @ApiProblems(400, 403, 404, 412)
  async removeMember(
    @Param('id', { schema: groupIdParam }) id: string,
    @Param('userId', { schema: z.uuid('must be a user id (UUID)') }) userId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const change = (g: GroupRecord): GroupFields => ({ ...fieldsOf(g), members: g.members.map((m) => m.id).filter((m) => m !== userId.toLowerCase()) });
    return withETag(reply, await this.groups.replace(id, change, this.action(request, optionalIfMatch(ifMatch), false)), toGroupResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Delete a group: its members lose the roles it granted at once' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(400, 403, 404, 412)
  async delete(@Param('id', { schema: groupIdParam }) id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: AdminRequest): Promise<void> {
    await this.groups.delete(id, this.action(request, optionalIfMatch(ifMatch), false));
  }

  private async replaced(
    request: AdminRequest,
    reply: FastifyReply,
    id: string,
    change: (g: GroupRecord) => GroupFields,
    expectedVersions: number[] | undefined,
  ) {
    const held = await this.holding(request, reply, (hold) => this.groups.replace(id, change, this.action(request, expectedVersions, hold)));
    return 'kind' in held ? held : withETag(reply, held, toGroupResponse);
  }

  /**
   * Runs a write; when dual control is on and the write would grant a high-risk role through the
   * group (authorize throws HeldGroupChange before anything is written), stores it as a pending
   * change instead and answers 202.
   */
  private async holding(request: AdminRequest, reply: FastifyReply, write: (hold: boolean) => Promise<GroupRecord>) {
    const hold = await this.approvals.dualControlOn();
    try {
      return await write(hold);
    } catch (err) {
      if (!(err instanceof HeldGroupChange)) throw err;
      const { current, next, grant } = err;
      await this.groups.assertMembers(next.members.filter((m) => !current?.members.some((c) => c.id === m)));
      const who = `${grant.members.length} member${grant.members.length === 1 ? '' : 's'}`;
      // The people gaining the role as they are now: a credential changed before approval fails it.
      const memberVersions = await this.groups.memberVersions(grant.members);
      const pending = await this.approvals.gate(request, {
        kind: current ? 'groups.update' : 'groups.create',
        summary: `${current ? 'change' : 'create'} group ${next.displayName}: gives ${who} ${grant.granted.join(', ')}`,
        details: { ...(current ? { groupId: current.id } : {}), displayName: next.displayName, roles: next.roles, granted: grant.granted, members: grant.members },
        act: current ? { id: current.id, fields: next, expectedVersions: [current.version], memberVersions } : { fields: next, memberVersions },
      });
      if (!pending) throw new Error('dual control was turned off while a group change was being held');
      return acceptedForApproval(reply, pending);
    }
  }

  private action(request: AdminRequest, expectedVersions: number[] | undefined, hold: boolean): GroupAction {
    return this.approvedAction(request.admin!.roles, adminEventContext(request), expectedVersions, hold);
  }

  /** The actor, the versions read, the protected-role rule for whoever acts, and (hold) the dual-control check. */
  private approvedAction(roles: readonly AdminRole[], context: AdminEventContext, expectedVersions: number[] | undefined, hold: boolean): GroupAction {
    return {
      actor: context.actor,
      correlationId: context.correlationId,
      expectedVersions,
      // A user-admin may not, through a plain group, change what a protected-role holder holds.
      refuseHoldersOf: roles.includes('super-admin') ? undefined : protectedRoles(this.config.breakGlass.role),
      authorize: (current, next) => {
        if (!roles.includes('super-admin') && protectedRolesIn([...(current?.roles ?? []), ...next.roles], this.config.breakGlass.role).length) {
          throw new ProblemError({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'only super-admin may give a group a protected role (an admin role or the break-glass role), or change a group that has one' });
        }
        if (!hold) return;
        const grant = groupGrantsHighRiskRole(current && { roles: current.roles, members: current.members.map((m) => m.id) }, next, this.config.breakGlass.role);
        if (grant.granted.length) throw new HeldGroupChange(current, next, grant);
      },
    };
  }
}

/** Thrown by authorize (before anything is written) when a group write must wait for approval. */
class HeldGroupChange extends Error {
  constructor(
    readonly current: GroupRecord | null,
    readonly next: GroupFields,
    readonly grant: { granted: string[]; members: string[] },
  ) {
    super('held for dual control');
  }
}

function fieldsOf(g: GroupRecord): GroupFields {
  return { displayName: g.displayName, externalId: g.externalId, roles: g.roles, members: g.members.map((m) => m.id) };
}
