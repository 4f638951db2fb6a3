import { Body, Controller, Get, Headers, Patch, Req, Res } from '@nestjs/common';
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
  problemMapping,
  requireIfMatch,
  type AdminRequest,
  type Problem,
} from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService } from '../approvals/index.js';
import { PoliciesError, PoliciesErrorCode } from './policies.errors.js';
import { policyDocumentSchema, policyPatchSchema, type PolicyPatch } from './policies.schemas.js';
import { PoliciesService, type PolicySnapshot } from './policies.service.js';

const policiesResponseSchema = z.object({
  policies: policyDocumentSchema,
  defaults: policyDocumentSchema.describe('the values the environment sets'),
  updatedAt: z.string().nullable(),
});

/** /admin/v1/policies: auditor and super-admin read; only super-admin changes them. */
@ApiTags('policies')
@Controller('admin/v1/policies')
export class PoliciesAdminController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly approvals: ApprovalsService,
  ) {
    // Dual control: a stored change is applied as sent, against the version the requester read.
    approvals.register('policies.update', async (act: { patch: PolicyPatch; expectedVersions: number[] }, context) =>
      this.body(await this.policies.update(act.patch, act.expectedVersions, context.actor, context.correlationId)),
    );
  }

  @Get()
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Password, MFA, lifetime and lockout policies in force, with the environment defaults' })
  @ApiResponse({ status: 200, description: 'the policies', standardSchema: policiesResponseSchema })
  async get(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.respond(await this.policies.read(), reply);
  }

  @Patch()
  @AdminRoute('super-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Change some policies; every bound is checked on the result; audited with before and after' })
  @ApiResponse({ status: 200, description: 'the policies now in force', standardSchema: policiesResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 412, 428, 503)
  async update(
    @Body({ schema: policyPatchSchema }) patch: z.output<typeof policyPatchSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { actor, correlationId } = adminEventContext(request);
    const expectedVersions = requireIfMatch(ifMatch);
    const { highRisk } = await this.policies.preview(patch, expectedVersions);
    if (highRisk.length) {
      const pending = await this.approvals.gate(request, {
        kind: 'policies.update',
        summary: `weaken the runtime policies (${highRisk.join(', ')})`,
        details: { patch, highRisk },
        act: { patch, expectedVersions },
      });
      if (pending) return acceptedForApproval(reply, pending);
    }
    return this.respond(await this.policies.update(patch, expectedVersions, actor, correlationId), reply);
  }

  private respond(snapshot: PolicySnapshot, reply: FastifyReply) {
    reply.header('ETag', etagOf(snapshot.version));
    return this.body(snapshot);
  }

  private body(snapshot: PolicySnapshot) {
    return { policies: snapshot.policies, defaults: this.policies.defaultPolicies(), updatedAt: snapshot.updatedAt?.toISOString() ?? null };
  }
}

export function policiesProblem(err: PoliciesError): Problem {
  switch (err.code) {
    case PoliciesErrorCode.INVALID_POLICY:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: err.message, errors: err.fields };
    case PoliciesErrorCode.VERSION_MISMATCH:
      return {
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: 'the policies changed since you read them: GET them again, reapply your change and send the new ETag',
      };
    default:
      return assertNever(err.code);
  }
}

export const policiesProblems = problemMapping(PoliciesError, policiesProblem);
