import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminRoute, ProblemError, protectedRolesIn, type AdminRequest } from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService } from '../approvals/index.js';
import { IdentityService, mayAdministerUser } from '../identity/index.js';
import { MfaService } from './mfa.service.js';
import { EnrolmentCodesService } from './enrolment-codes.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function userIdParam(id: string): string {
  if (!UUID.test(id)) {
    throw new ProblemError({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'id must be a user id (UUID)',
      errors: [{ field: 'id', message: 'must be a UUID' }],
    });
  }
  return id;
}

/** An administrator's view of a user's second factors: list them, or reset them all. */
@ApiTags('users')
@Controller('admin/v1/users/:id/mfa')
export class MfaAdminController {
  constructor(
    private readonly mfa: MfaService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly enrolmentCodes: EnrolmentCodesService,
    private readonly approvals: ApprovalsService,
  ) {
    // Dual control: the stored act runs as the route would have, the approver acting (a super-admin: may administer anyone).
    approvals.register('mfa.reset', async (act: { userId: string }, context) => {
      await this.mfa.reset(act.userId, context.actor);
      return null;
    });
    approvals.register('mfa.enrolment_code.issue', async (act: { userId: string }, context) => {
      const issued = await this.enrolmentCodes.issue(act.userId, context.actor);
      return { code: issued.code, expiresAt: issued.expiresAt.toISOString() };
    });
  }

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: "List a user's confirmed second factors (no secrets)" })
  @ApiParam({ name: 'id', description: 'user id' })
  @ApiOkResponse({ description: 'factors: id, type, label, createdAt, lastUsedAt' })
  async list(@Param('id') id: string) {
    return { items: await this.mfa.confirmedFactors(userIdParam(id)) };
  }

  @Post('enrolment-code')
  @HttpCode(201)
  @AdminRoute('user-admin')
  @ApiOperation({
    summary: 'Issue a one-time enrolment code (MFA_ENROLMENT=invite-only): the user types it at sign-in to enrol a first second factor',
    description: 'Shown once, stored hashed, single use, valid 24 hours; a new code replaces the previous one. Audited as mfa.enrolment_code.issued.',
  })
  @ApiParam({ name: 'id', description: 'user id' })
  @ApiCreatedResponse({ description: 'code (shown once) and expiresAt' })
  @ApiPendingApproval()
  async issueEnrolmentCode(@Param('id') id: string, @Req() req: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const user = await this.administrable(userIdParam(id), req);
    const pending = await this.heldForApproval(user, req, 'mfa.enrolment_code.issue', 'issue an MFA enrolment code for');
    if (pending) return acceptedForApproval(reply, pending);
    // As the user was when the permission was checked: a role granted since makes it 412.
    const issued = await this.enrolmentCodes.issue(user.id, { type: 'admin', id: req.admin!.id }, { expectedVersion: user.version });
    return { code: issued.code, expiresAt: issued.expiresAt.toISOString() };
  }

  @Delete()
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: "Reset a user's MFA: every factor and recovery code is removed; the user enrols again at next sign-in" })
  @ApiParam({ name: 'id', description: 'user id' })
  @ApiNoContentResponse({ description: 'reset done (audited as mfa.reset)' })
  @ApiPendingApproval()
  async reset(@Param('id') id: string, @Req() req: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const user = await this.administrable(userIdParam(id), req);
    const pending = await this.heldForApproval(user, req, 'mfa.reset', 'reset the second factors of');
    if (pending) return acceptedForApproval(reply, pending);
    await this.mfa.reset(user.id, { type: 'admin', id: req.admin!.id }, undefined, user.version);
  }

  /**
   * Dual control: whoever resets the factors of, or opens enrolment for, a holder of a protected
   * role can take the account over (a second approver, for super-admin), so under dualControl it
   * waits for another super-admin. Null: go ahead.
   */
  private async heldForApproval(user: { id: string; email: string; roles: string[] }, req: AdminRequest, kind: string, what: string) {
    const held = protectedRolesIn(user.roles, this.config.breakGlass.role);
    if (!held.length) return null;
    return this.approvals.gate(req, { kind, summary: `${what} user ${user.email} (${held.join(', ')})`, details: { userId: user.id, email: user.email, roles: held }, act: { userId: user.id } });
  }

  /** The user, when this admin may change their second factors (404 / 403 otherwise). */
  private async administrable(id: string, req: AdminRequest) {
    const user = await this.identity.findById(id);
    if (!user) throw new ProblemError({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such user' });
    // A user-admin resetting (or opening enrolment for) a super-admin's second factor would be a takeover path.
    if (!mayAdministerUser(req.admin!.roles, this.config.breakGlass.role, user.roles)) {
      throw new ProblemError({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'only a super-admin may reset the second factors of, or issue an enrolment code for, a user who holds an admin role or the break-glass role',
      });
    }
    return user;
  }
}
