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
  protectedRolesIn,
  requireIfMatch,
  withETag,
  type AdminRequest,
} from '../admin/index.js';
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
  ) {}

  @Post()
  @AdminRoute('user-admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a group with the roles it grants and its members' })
  @ApiResponse({ status: 201, description: 'the group', standardSchema: groupResponseSchema })
  @ApiProblems(400, 403, 409)
  async create(@Body({ schema: groupBodySchema }) body: z.output<typeof groupBodySchema>, @Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const group = await this.groups.create(body, this.action(request, undefined));
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
  @ApiProblems(400, 403, 404, 409, 412, 428)
  async replace(
    @Param('id', { schema: groupIdParam }) id: string,
    @Body({ schema: groupBodySchema }) body: z.output<typeof groupBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withETag(reply, await this.groups.replace(id, () => body, this.action(request, requireIfMatch(ifMatch))), toGroupResponse);
  }

  @Post(':id/members')
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Add a member' })
  @ApiResponse({ status: 200, description: 'the group', standardSchema: groupResponseSchema })
  @ApiProblems(400, 403, 404, 412)
  async addMember(
    @Param('id', { schema: groupIdParam }) id: string,
    @Body({ schema: memberBodySchema }) body: z.output<typeof memberBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const change = (g: GroupRecord): GroupFields => ({ ...fieldsOf(g), members: [...g.members.map((m) => m.id), body.userId] });
    return withETag(reply, await this.groups.replace(id, change, this.action(request, optionalIfMatch(ifMatch))), toGroupResponse);
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
    return withETag(reply, await this.groups.replace(id, change, this.action(request, optionalIfMatch(ifMatch))), toGroupResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Delete a group: its members lose the roles it granted at once' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(400, 403, 404, 412)
  async delete(@Param('id', { schema: groupIdParam }) id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: AdminRequest): Promise<void> {
    await this.groups.delete(id, this.action(request, optionalIfMatch(ifMatch)));
  }

  private action(request: AdminRequest, expectedVersions: number[] | undefined): GroupAction {
    const roles = request.admin!.roles;
    return {
      ...adminEventContext(request),
      expectedVersions,
      authorize: (current, next) => {
        if (!roles.includes('super-admin') && protectedRolesIn([...(current?.roles ?? []), ...next.roles], this.config.breakGlass.role).length) {
          throw new ProblemError({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'only super-admin may give a group a protected role (an admin role or the break-glass role), or change a group that has one' });
        }
      },
    };
  }
}

function fieldsOf(g: GroupRecord): GroupFields {
  return { displayName: g.displayName, externalId: g.externalId, roles: g.roles, members: g.members.map((m) => m.id) };
}
