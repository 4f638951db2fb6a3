import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiIfMatch,
  ApiProblems,
  assertNever,
  etagOf,
  withETag,
  Idempotent,
  optionalIfMatch,
  pageQuery,
  pageSchema,
  ProblemError,
  problemMapping,
  protectedRolesIn,
  requireIfMatch,
  toPage,
  type AdminEventContext,
  type AdminRequest,
  type AdminRole,
  type Page,
  type Problem,
} from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService, grantsHighRiskRole } from '../approvals/index.js';
import { createdUserResponseSchema, toUserResponse, userResponseSchema, type UserResponse } from './dto/user.response.js';
import { IdentityError, IdentityErrorCode } from './identity.errors.js';
import { UserManagementService, type UserAction } from './user-management.service.js';
import { mayAdministerUser } from './users-admin.rules.js';
import { createUserSchema, resetPasswordSchema, updateUserSchema, userIdParam } from './users.schemas.js';

const listQuerySchema = pageQuery(z.object({ c: z.string().max(64), id: z.uuid() })).extend({
  q: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('case-insensitive fragment of the email or a name'),
  status: z.enum(['active', 'disabled', 'locked', 'deleted'], { error: 'must be active, disabled, locked or deleted' }).optional(),
  role: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,63}$/, 'must be a lowercase role name').optional(),
});

const passwordResetResponseSchema = z.object({
  passwordSetupLink: z.string().nullable().describe('single-use reset link (in this response only); null when a password was set'),
  passwordSetupExpiresAt: z.string().nullable(),
});

const path = (id: string) => `/admin/v1/users/${id}`;

/**
 * /admin/v1/users: accounts of people. user-admin manages them, auditor may read; only
 * super-admin may grant or remove a protected role (admin roles, BREAKGLASS_ROLE) or touch a user who holds one. Passwords and
 * setup links are never returned except the link in the response that issues it.
 */
@ApiTags('users')
@Controller('admin/v1/users')
export class IdentityAdminController {
  constructor(
    private readonly users: UserManagementService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly approvals: ApprovalsService,
  ) {
    // Dual control: the stored create or change runs as the route would have, the approver acting.
    approvals.register('users.create', async (body: z.output<typeof createUserSchema>, context) => {
      const { user, link } = await this.users.create(body, this.approvedAction(context.approverRoles, context, undefined));
      return { ...toUserResponse(user), passwordSetupLink: link?.url ?? null, passwordSetupExpiresAt: link?.expiresAt.toISOString() ?? null };
    });
    approvals.register('users.password.reset', async (act: { id: string; body: z.output<typeof resetPasswordSchema> }, context) => {
      const link = await this.users.resetPassword(act.id, act.body, this.approvedAction(context.approverRoles, context, undefined));
      return { passwordSetupLink: link?.url ?? null, passwordSetupExpiresAt: link?.expiresAt.toISOString() ?? null };
    });
    approvals.register(
      'users.update',
      async (act: { id: string; patch: z.output<typeof updateUserSchema>; expectedVersions: number[] }, context) =>
        toUserResponse(await this.users.update(act.id, act.patch, this.approvedAction(context.approverRoles, context, act.expectedVersions))),
    );
  }

  @Post()
  @AdminRoute('user-admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a user with an initial password, or with invite: true and a single-use password setup link' })
  @ApiResponse({ status: 201, description: 'the user (and the invitation link, once)', standardSchema: createdUserResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 409, 413, 415, 503)
  async create(
    @Body({ schema: createUserSchema }) body: z.output<typeof createUserSchema>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!mayAdministerUser(request.admin!.roles, this.config.breakGlass.role, [], body.roles)) throw adminRolesForbidden();
    const granted = grantsHighRiskRole([], body.roles, this.config.breakGlass.role);
    if (granted.length) {
      const pending = await this.approvals.gate(request, {
        kind: 'users.create',
        summary: `create user ${body.email} with ${granted.join(', ')}`,
        details: { email: body.email, roles: body.roles, granted },
        act: body,
      });
      if (pending) return acceptedForApproval(reply, pending);
    }
    const { user, link } = await this.users.create(body, this.action(request, undefined));
    reply.header('Location', path(user.id)).header('ETag', etagOf(user.version));
    return { ...toUserResponse(user), passwordSetupLink: link?.url ?? null, passwordSetupExpiresAt: link?.expiresAt.toISOString() ?? null };
  }

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'List users in creation order; search by email or name, filter by status and role (cursor pagination)' })
  @ApiResponse({ status: 200, description: 'a page of users', standardSchema: pageSchema(userResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: listQuerySchema }) query: z.output<typeof listQuerySchema>): Promise<Page<UserResponse>> {
    const rows = await this.users.list({
      limit: query.limit + 1,
      after: query.cursor ? { createdAt: query.cursor.c, id: query.cursor.id } : undefined,
      search: query.q,
      status: query.status,
      role: query.role,
    });
    return toPage(
      rows,
      query.limit,
      (row) => ({ c: row.position.createdAt, id: row.position.id }),
      (row) => toUserResponse(row.user),
    );
  }

  @Get(':id')
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'One user; its ETag is what an update sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the user', standardSchema: userResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: userIdParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.users.get(id), toUserResponse);
  }

  @Patch(':id')
  @AdminRoute('user-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Change profile fields or roles; null clears a name; audited with before and after' })
  @ApiResponse({ status: 200, description: 'the updated user', standardSchema: userResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 404, 409, 412, 428, 503)
  async update(
    @Param('id', { schema: userIdParam }) id: string,
    @Body({ schema: updateUserSchema }) patch: z.output<typeof updateUserSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedVersions = requireIfMatch(ifMatch);
    if (patch.roles !== undefined && (await this.approvals.dualControlOn())) {
      const current = await this.users.get(id);
      this.action(request, expectedVersions).authorize!(current, patch.roles);
      const granted = grantsHighRiskRole(current.effectiveRoles, patch.roles, this.config.breakGlass.role);
      if (granted.length) {
        const pending = await this.approvals.gate(request, {
          kind: 'users.update',
          summary: `give user ${current.email} ${granted.join(', ')}`,
          details: { userId: id, email: current.email, roles: patch.roles, granted },
          act: { id, patch, expectedVersions },
        });
        if (pending) return acceptedForApproval(reply, pending);
      }
    }
    return withETag(reply, await this.users.update(id, patch, this.action(request, expectedVersions)), toUserResponse);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: "Disable a user: no sign-in; every session and token of theirs ends at once" })
  @ApiResponse({ status: 200, description: 'the disabled user', standardSchema: userResponseSchema })
  @ApiProblems(400, 403, 404, 412, 503)
  async disable(
    @Param('id', { schema: userIdParam }) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withETag(reply, await this.users.setEnabled(id, false, this.action(request, optionalIfMatch(ifMatch))), toUserResponse);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Enable a disabled user again' })
  @ApiResponse({ status: 200, description: 'the enabled user', standardSchema: userResponseSchema })
  @ApiProblems(400, 403, 404, 412, 503)
  async enable(
    @Param('id', { schema: userIdParam }) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withETag(reply, await this.users.setEnabled(id, true, this.action(request, optionalIfMatch(ifMatch))), toUserResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({
    summary: 'Delete a user: deactivated and anonymised (email replaced, names and roles cleared, password and factors removed, sessions and tokens revoked); the id stays for the audit trail',
  })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(400, 403, 404, 412, 503)
  async delete(
    @Param('id', { schema: userIdParam }) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
  ): Promise<void> {
    await this.users.delete(id, this.action(request, optionalIfMatch(ifMatch)));
  }

  @Post(':id/password')
  @HttpCode(200)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: 'Reset the password: set a new one (policy-checked) or, with link: true, issue a single-use reset link' })
  @ApiResponse({ status: 200, description: 'the reset link, once (or null)', standardSchema: passwordResetResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 403, 404, 503)
  async resetPassword(
    @Param('id', { schema: userIdParam }) id: string,
    @Body({ schema: resetPasswordSchema }) body: z.output<typeof resetPasswordSchema>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (await this.approvals.dualControlOn()) {
      const current = await this.users.get(id);
      this.action(request, undefined).authorize!(current);
      // Whoever sets the password of a protected-role holder can sign in as them (a second approver, for super-admin).
      const held = protectedRolesIn(current.effectiveRoles, this.config.breakGlass.role);
      if (held.length) {
        if (body.password !== undefined) await this.users.assertPassword(body.password, current.email);
        const pending = await this.approvals.gate(request, {
          kind: 'users.password.reset',
          summary: `${body.link ? 'issue a password reset link for' : 'set the password of'} user ${current.email} (${held.join(', ')})`,
          details: { userId: id, email: current.email, method: body.link ? 'link' : 'set', roles: held },
          act: { id, body },
        });
        if (pending) return acceptedForApproval(reply, pending);
      }
    }
    const link = await this.users.resetPassword(id, body, this.action(request, undefined));
    return { passwordSetupLink: link?.url ?? null, passwordSetupExpiresAt: link?.expiresAt.toISOString() ?? null };
  }

  private action(request: AdminRequest, expectedVersions: number[] | undefined): UserAction {
    return this.approvedAction(request.admin!.roles, adminEventContext(request), expectedVersions);
  }

  /** The actor, the versions read, and the protected-role rule for whoever acts (a caller, or the approver of a pending change). */
  private approvedAction(roles: readonly AdminRole[], context: AdminEventContext, expectedVersions: number[] | undefined): UserAction {
    return {
      actor: context.actor,
      correlationId: context.correlationId,
      expectedVersions,
      authorize: (current, nextRoles) => {
        // Effective roles: a user who holds an admin role through a group is protected like one who holds it directly.
        if (!mayAdministerUser(roles, this.config.breakGlass.role, current.effectiveRoles, nextRoles)) throw adminRolesForbidden();
      },
    };
  }
}

function adminRolesForbidden(): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: 'only super-admin may grant or remove admin roles or the break-glass role, or change a user who holds one',
  });
}

/** The identity module's errors on the admin surface. */
export function identityProblem(err: IdentityError): Problem {
  switch (err.code) {
    case IdentityErrorCode.INVALID_USER:
    case IdentityErrorCode.WEAK_PASSWORD:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: err.message, errors: err.fields };
    case IdentityErrorCode.INVALID_GROUP:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: err.message, errors: err.fields };
    case IdentityErrorCode.EMAIL_TAKEN:
    case IdentityErrorCode.EXTERNAL_ID_TAKEN:
    case IdentityErrorCode.GROUP_NAME_TAKEN:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message, errors: err.fields };
    case IdentityErrorCode.USER_NOT_FOUND:
    case IdentityErrorCode.GROUP_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case IdentityErrorCode.VERSION_MISMATCH:
      return {
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: err.message.startsWith('a member ')
          ? err.message
          : `the ${err.message.includes('group') ? 'group' : 'user'} changed since you read it: GET it again, reapply your change and send the new ETag`,
      };
    default:
      return assertNever(err.code);
  }
}

export const identityProblems = problemMapping(IdentityError, identityProblem);
