import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  AdminRoute,
  ApiProblems,
  assertNever,
  pageQuery,
  pageSchema,
  problemMapping,
  toPage,
  type AdminRequest,
  type Page,
  type Problem,
} from '../admin/index.js';
import { approvalResponseSchema, toApprovalResponse, type ApprovalResponse } from './approval.response.js';
import { ApprovalsError, ApprovalsErrorCode } from './approvals.errors.js';
import { ApprovalsService } from './approvals.service.js';

const approvalIdParam = z.uuid('is not an approval id');
const listQuerySchema = pageQuery(z.object({ c: z.iso.datetime(), id: z.uuid() })).extend({
  status: z
    .enum(['pending', 'executing', 'approved', 'rejected', 'expired', 'failed'], { error: 'must be pending, executing, approved, rejected, expired or failed' })
    .optional(),
});
const rejectBody = z.strictObject({ reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional() });
const approveResponse = z.object({
  approval: approvalResponseSchema,
  result: z.unknown().describe('what the original route would have answered'),
});

/**
 * /admin/v1/approvals: dual control (four-eyes) of high-risk acts. Super-admin only; the
 * requester of a change never approves or rejects it (403), another super-admin must.
 */
@ApiTags('approvals')
@Controller('admin/v1/approvals')
export class ApprovalsAdminController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  @AdminRoute()
  @ApiOperation({ summary: 'Pending and decided changes, newest first; expired ones (and interrupted ones: failed) are marked on read' })
  @ApiResponse({ status: 200, description: 'a page of approvals', standardSchema: pageSchema(approvalResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: listQuerySchema }) query: z.output<typeof listQuerySchema>): Promise<Page<ApprovalResponse>> {
    const rows = await this.approvals.list(query.limit + 1, query.status, query.cursor ? { requestedAt: query.cursor.c, id: query.cursor.id } : undefined);
    return toPage(rows, query.limit, (a) => ({ c: a.requestedAt.toISOString(), id: a.id }), toApprovalResponse);
  }

  @Get(':id')
  @AdminRoute()
  @ApiOperation({ summary: 'One pending or decided change' })
  @ApiResponse({ status: 200, description: 'the approval', standardSchema: approvalResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: approvalIdParam }) id: string) {
    return toApprovalResponse(await this.approvals.get(id));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({
    summary: 'Approve a pending change (not your own): it is carried out now, with you as actor and the requester recorded',
    description:
      'Counts only from a super-admin who held the role when the change was requested and whose credentials (a person: password, MFA, enrolment; a client: secret, keys) have not changed since (403 otherwise, audited as approval.failed).',
  })
  @ApiResponse({ status: 200, description: 'the approval and the result of the act', standardSchema: approveResponse })
  @ApiProblems(400, 403, 404, 409, 412)
  async approve(@Param('id', { schema: approvalIdParam }) id: string, @Req() request: AdminRequest) {
    const { approval, result } = await this.approvals.approve(id, request);
    return { approval: toApprovalResponse(approval), result: result ?? null };
  }

  @Post(':id/reject')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({ summary: 'Reject a pending change (not your own): nothing is done' })
  @ApiResponse({ status: 200, description: 'the rejected approval', standardSchema: approvalResponseSchema })
  @ApiProblems(400, 403, 404, 409)
  async reject(
    @Param('id', { schema: approvalIdParam }) id: string,
    @Body({ schema: rejectBody }) body: z.output<typeof rejectBody>,
    @Req() request: AdminRequest,
  ) {
    return toApprovalResponse(await this.approvals.reject(id, body.reason ?? null, request));
  }
}

export function approvalsProblem(err: ApprovalsError): Problem {
  switch (err.code) {
    case ApprovalsErrorCode.APPROVAL_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case ApprovalsErrorCode.OWN_REQUEST:
    case ApprovalsErrorCode.APPROVER_NOT_ELIGIBLE:
    case ApprovalsErrorCode.APPROVER_CREDENTIALS_CHANGED:
      return { type: 'about:blank', title: 'Forbidden', status: 403, detail: err.message };
    case ApprovalsErrorCode.NOT_PENDING:
    case ApprovalsErrorCode.UNKNOWN_KIND:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
    default:
      return assertNever(err.code);
  }
}

export const approvalsProblems = problemMapping(ApprovalsError, approvalsProblem);
