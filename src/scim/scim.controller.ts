import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ScimAuthGuard, scimActor, type ScimRequest } from './scim-auth.guard.js';
import { ScimErrorFilter, SCIM_CONTENT_TYPE } from './scim-error.filter.js';
import { ScimGroupsService } from './scim-groups.service.js';
import { ScimError } from './scim.errors.js';
import { scimIfMatch } from './scim-if-match.js';
import { LIST_SCHEMA, SCIM_BASE, toScimGroup } from './scim-resources.js';
import { ScimUsersService } from './scim-users.service.js';
import type { ScimContext } from './scim-users.service.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';

const MAX_COUNT = 200;
/** The largest startIndex served: far beyond any directory, and safe for the database's offset. */
const MAX_START_INDEX = 2_147_483_647;

/**
 * RFC 7644 §3.4.2.4: startIndex is 1-based (below 1 counts as 1) and count defaults to and is
 * capped at 200 (below 0 counts as 0). Either must be a whole number, and startIndex at most
 * 2147483647: anything else is a 400 invalidValue naming the parameter (never a 500 from the query).
 */
export function paging(query: Record<string, unknown>): { startIndex: number; count: number } {
  const start = integerParam(query, 'startIndex', 1);
  if (start > MAX_START_INDEX) throw new ScimError(400, 'invalidValue', `startIndex must be at most ${MAX_START_INDEX}`);
  const count = integerParam(query, 'count', MAX_COUNT);
  return { startIndex: Math.max(start, 1), count: Math.min(Math.max(count, 0), MAX_COUNT) };
}

function integerParam(query: Record<string, unknown>, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^[+-]?\d{1,400}$/.test(raw)) throw new ScimError(400, 'invalidValue', `${name} must be a whole number`);
  return Number(raw);
}

function listResponse(total: number, startIndex: number, resources: unknown[]) {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

function filterOf(query: Record<string, unknown>): string | undefined {
  return typeof query.filter === 'string' && query.filter.trim() ? query.filter : undefined;
}

/**
 * /scim/v2/Users and /scim/v2/Groups (RFC 7644): the hospital directory's provisioning client
 * creates, changes, deactivates and deletes accounts and groups. Only a client token with
 * admin:provisioning is let in; every error is SCIM error JSON.
 */
@ApiExcludeController()
@Controller(SCIM_BASE.slice(1))
@UseGuards(ScimAuthGuard)
@UseFilters(ScimErrorFilter)
export class ScimController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: ScimUsersService,
    private readonly groups: ScimGroupsService,
  ) {}

  @Get('Users')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  async listUsers(@Query() query: Record<string, unknown>) {
    const { startIndex, count } = paging(query);
    const { total, resources } = await this.users.list(filterOf(query), startIndex, count);
    return listResponse(total, startIndex, resources);
  }

  @Get('Users/:id')
  async getUser(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return send(reply, await this.users.get(id));
  }

  @Post('Users')
  @HttpCode(201)
  async createUser(@Body() body: unknown, @Req() request: ScimRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const user = await this.users.create(body, ctx(request, undefined));
    const scim = await this.users.present(user);
    reply.header('Location', (scim.meta as { location: string }).location);
    return send(reply, scim);
  }

  @Put('Users/:id')
  async replaceUser(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: ScimRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.users.present(await this.users.replace(id, body, ctx(request, ifMatch))));
  }

  @Patch('Users/:id')
  async patchUser(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: ScimRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, await this.users.present(await this.users.patch(id, body, ctx(request, ifMatch))));
  }

  @Delete('Users/:id')
  @HttpCode(204)
  async deleteUser(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: ScimRequest): Promise<void> {
    await this.users.delete(id, ctx(request, ifMatch));
  }

  @Get('Groups')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  async listGroups(@Query() query: Record<string, unknown>) {
    const { startIndex, count } = paging(query);
    const excludeMembers = String(query.excludedAttributes ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members');
    const { total, resources } = await this.groups.list(filterOf(query), startIndex, count, excludeMembers);
    return listResponse(total, startIndex, resources);
  }

  @Get('Groups/:id')
  async getGroup(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return send(reply, await this.groups.get(id));
  }

  @Post('Groups')
  @HttpCode(201)
  async createGroup(@Body() body: unknown, @Req() request: ScimRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const scim = toScimGroup(await this.groups.create(body, ctx(request, undefined)), this.config.issuer);
    reply.header('Location', (scim.meta as { location: string }).location);
    return send(reply, scim);
  }

  @Put('Groups/:id')
  async replaceGroup(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: ScimRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, toScimGroup(await this.groups.replace(id, body, ctx(request, ifMatch)), this.config.issuer));
  }

  @Patch('Groups/:id')
  async patchGroup(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: ScimRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return send(reply, toScimGroup(await this.groups.patch(id, body, ctx(request, ifMatch)), this.config.issuer));
  }

  @Delete('Groups/:id')
  @HttpCode(204)
  async deleteGroup(@Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() request: ScimRequest): Promise<void> {
    await this.groups.delete(id, ctx(request, ifMatch));
  }
}

function ctx(request: ScimRequest, ifMatch: string | undefined): ScimContext {
  return { ...scimActor(request), expectedVersions: scimIfMatch(ifMatch) };
}

/** A resource with its ETag (its meta.version), as SCIM JSON, never cached. */
function send(reply: FastifyReply, resource: Record<string, unknown>): Record<string, unknown> {
  const version = (resource.meta as { version?: string } | undefined)?.version;
  if (version) reply.header('ETag', version);
  reply.header('Cache-Control', 'no-store').type(SCIM_CONTENT_TYPE);
  return resource;
}
