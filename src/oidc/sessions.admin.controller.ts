import { Controller, Delete, Get, HttpCode, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminRoute, adminEventContext, ApiProblems, pageQuery, pageSchema, ProblemError, toPage, type AdminRequest, type Page } from '../admin/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { assertMayActOnUser, IdentityService } from '../identity/index.js';
import { SessionsService, type SessionView } from './sessions.service.js';

const sessionUidParam = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not a session uid');
const userIdParam = z.uuid('must be a user id (UUID)');
const listQuerySchema = pageQuery(z.object({ u: z.string().max(128) })).extend({
  accountId: z.uuid('must be a user id (UUID)').optional().describe('only the sessions of this user'),
});
const userSessionsQuerySchema = pageQuery(z.object({ u: z.string().max(128) }));

export const sessionResponseSchema = z.object({
  uid: z.string().describe('the session uid (not the session cookie value)'),
  accountId: z.string(),
  loginAt: z.string().nullable(),
  amr: z.array(z.string()),
  acr: z.string().nullable(),
  clientIds: z.array(z.string()).describe('apps authorised in this session'),
  expiresAt: z.string().nullable(),
});

const revokedAllSchema = z.object({ revoked: z.number().int().describe('sessions ended') });

async function page(sessions: SessionsService, query: { limit: number; cursor?: { u: string } }, accountId?: string): Promise<Page<SessionView>> {
  const rows = await sessions.list({ limit: query.limit + 1, afterUid: query.cursor?.u, accountId });
  return toPage(rows, query.limit, (s) => ({ u: s.uid }), (s) => s);
}

function notFound(): ProblemError {
  return new ProblemError({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such active session' });
}

/** /admin/v1/sessions: signed-in sessions across users. user-admin manages, auditor reads. */
@ApiTags('sessions')
@Controller('admin/v1/sessions')
export class SessionsAdminController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'List active signed-in sessions: account, login time, amr/acr, apps authorised, expiry (cursor pagination)' })
  @ApiResponse({ status: 200, description: 'a page of sessions', standardSchema: pageSchema(sessionResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: listQuerySchema }) query: z.output<typeof listQuerySchema>) {
    return page(this.sessions, query, query.accountId);
  }

  @Delete(':uid')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: 'End a session: it is deleted with every grant, code and token issued under it' })
  @ApiResponse({ status: 204, description: 'ended' })
  @ApiProblems(400, 404)
  async revoke(@Param('uid', { schema: sessionUidParam }) uid: string, @Req() request: AdminRequest): Promise<void> {
    // The same rule as /users/{id}/sessions: a protected-role holder's session is super-admin's
    // to end. Ended as that account's only, so it cannot change hands between check and delete.
    const accountId = await this.sessions.accountOf(uid);
    if (!accountId) throw notFound();
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, accountId);
    if (!(await this.sessions.revoke(uid, adminEventContext(request), accountId))) throw notFound();
  }
}

/** /admin/v1/users/:id/sessions: one user's sessions. */
@ApiTags('users')
@Controller('admin/v1/users/:id/sessions')
export class UserSessionsAdminController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: "List a user's active sessions (cursor pagination)" })
  @ApiResponse({ status: 200, description: 'a page of sessions', standardSchema: pageSchema(sessionResponseSchema) })
  @ApiProblems(400)
  async list(@Param('id', { schema: userIdParam }) id: string, @Query({ schema: userSessionsQuerySchema }) query: z.output<typeof userSessionsQuerySchema>) {
    return page(this.sessions, query, id);
  }

  @Delete()
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: "End every session of a user and revoke every token issued to them" })
  @ApiResponse({ status: 200, description: 'how many sessions ended', standardSchema: revokedAllSchema })
  @ApiProblems(400)
  async revokeAll(@Param('id', { schema: userIdParam }) id: string, @Req() request: AdminRequest) {
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, id);
    return { revoked: await this.sessions.revokeAllOfUser(id, adminEventContext(request)) };
  }

  @Delete(':uid')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: "End one of the user's sessions with its grants and tokens" })
  @ApiResponse({ status: 204, description: 'ended' })
  @ApiProblems(400, 404)
  async revoke(
    @Param('id', { schema: userIdParam }) id: string,
    @Param('uid', { schema: sessionUidParam }) uid: string,
    @Req() request: AdminRequest,
  ): Promise<void> {
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, id);
    if (!(await this.sessions.revoke(uid, adminEventContext(request), id))) throw notFound();
  }
}
