import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminRoute, adminEventContext, assertNever, problemMapping, type AdminRequest, type Problem } from '../admin/index.js';
import { BreakGlassError, BreakGlassErrorCode } from './breakglass.errors.js';
import type { StoredEmergencySession } from './breakglass.repository.js';
import { BreakGlassService } from './breakglass.service.js';

const idParam = z.uuid('is not an emergency session id');
const listQuery = z.object({
  status: z.enum(['unreviewed', 'all']).default('unreviewed'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const reviewSchema = z.object({ note: z.string().trim().min(3, 'must say what the review found').max(2000) });

/** /admin/v1/break-glass: the review queue of emergency sessions (super-admin and auditor read; super-admin reviews). */
@ApiTags('break-glass')
@Controller('admin/v1/break-glass')
export class BreakGlassAdminController {
  constructor(private readonly breakGlass: BreakGlassService) {}

  @Get()
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: 'Emergency sessions, newest first; by default only those not yet reviewed' })
  async list(@Query({ schema: listQuery }) q: z.output<typeof listQuery>) {
    const rows = await this.breakGlass.list({ unreviewedOnly: q.status === 'unreviewed', limit: q.limit });
    return { items: rows.map(toResponse) };
  }

  @Get(':id')
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: 'One emergency session with its justification and review' })
  async get(@Param('id', { schema: idParam }) id: string) {
    return toResponse(await this.breakGlass.get(id));
  }

  @Post(':id/review')
  @HttpCode(200)
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'Mark an emergency session reviewed, with a note; it leaves the queue' })
  async review(@Param('id', { schema: idParam }) id: string, @Body({ schema: reviewSchema }) body: z.output<typeof reviewSchema>, @Req() req: AdminRequest) {
    const { actor, correlationId } = adminEventContext(req);
    return toResponse(await this.breakGlass.review(id, body.note, actor, correlationId));
  }

  @Post(':id/end')
  @HttpCode(200)
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'End an emergency session now; every token and grant it issued is revoked with it' })
  async end(@Param('id', { schema: idParam }) id: string, @Req() req: AdminRequest) {
    const { actor, correlationId } = adminEventContext(req);
    return toResponse(await this.breakGlass.end(id, actor, correlationId));
  }
}

function toResponse(s: StoredEmergencySession) {
  const now = Date.now();
  return {
    id: s.id,
    userId: s.userId,
    email: s.email,
    justification: s.justification,
    factor: s.factor,
    startedAt: s.startedAt,
    expiresAt: s.expiresAt,
    active: !s.endedAt && s.expiresAt.getTime() > now,
    tokensIssued: s.tokensIssued,
    review: s.reviewedAt ? { reviewedAt: s.reviewedAt, reviewedBy: s.reviewedBy, note: s.reviewNote } : null,
  };
}

export const breakGlassProblems = problemMapping(BreakGlassError, (err: BreakGlassError): Problem => {
  switch (err.code) {
    case BreakGlassErrorCode.NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case BreakGlassErrorCode.ALREADY_REVIEWED:
    case BreakGlassErrorCode.NOT_ACTIVE:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
  }
  return assertNever(err.code);
});
