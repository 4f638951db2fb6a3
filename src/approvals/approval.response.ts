import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Approval } from './approvals.service.js';

const party = z.object({ type: z.string(), id: z.string() });

export const approvalResponseSchema = z.object({
  id: z.uuid(),
  kind: z.string().describe('the high-risk act, e.g. keys.import, users.create, policies.update'),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()).describe('what will be done (never key material or passwords)'),
  status: z.enum(['pending', 'executing', 'approved', 'rejected', 'expired', 'failed']).describe('failed: interrupted while being carried out (the requester asks again)'),
  requestedBy: party,
  requestedAt: z.string(),
  expiresAt: z.string().describe('24 hours after the request; an expired change can no longer be approved'),
  decidedBy: party.nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export type ApprovalResponse = z.output<typeof approvalResponseSchema>;

export const approvalPath = (id: string) => `/admin/v1/approvals/${id}`;

export function toApprovalResponse(a: Approval): ApprovalResponse {
  return {
    id: a.id,
    kind: a.kind,
    summary: a.summary,
    details: a.details,
    status: a.status,
    requestedBy: a.requestedBy,
    requestedAt: a.requestedAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    reason: a.reason,
  };
}

/** The answer of a high-risk route while dual control is on: 202, Location of the pending change, the change. */
export function acceptedForApproval(reply: FastifyReply, approval: Approval): ApprovalResponse {
  reply.status(202).header('Location', approvalPath(approval.id));
  return toApprovalResponse(approval);
}

/** Documents the 202 of a route gated by dual control. */
export function ApiPendingApproval() {
  return applyDecorators(
    ApiResponse({
      status: 202,
      description: 'dual control is on: the act is a pending change (Location) until another super-admin approves it',
      standardSchema: approvalResponseSchema,
    }),
  );
}
