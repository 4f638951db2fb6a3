import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiProblems,
  assertNever,
  pageSchema,
  problemMapping,
  toPage,
  type AdminRequest,
  type Page,
  type Problem,
} from '../admin/index.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { AuditError, AuditErrorCode } from './audit.errors.js';
import type { StoredCheckpoint } from './audit.repository.js';
import {
  checkpointIdSchema,
  checkpointListSchema,
  describeFilter,
  exportQuerySchema,
  purgeBodySchema,
  searchQuerySchema,
  seqParamSchema,
  toFilter,
  verifyQuerySchema,
} from './audit.schemas.js';
import type { AuditRecord } from './chain/audit-record.js';
import { auditRecordSchema, checkpointResponseSchema, purgeResultSchema, verifyReportSchema } from './dto/audit.responses.js';
import { EXPORT_MEDIA } from './export/audit-export.js';

/** A checkpoint as the API shows it; `jws` is the signed statement an auditor keeps. */
function toCheckpointResponse(c: StoredCheckpoint) {
  return {
    id: c.id,
    kind: c.kind,
    seq: c.seq,
    hash: c.hash,
    createdAt: c.createdAt.toISOString(),
    kid: c.kid,
    purgedFromSeq: c.purgedFromSeq,
    jws: c.jws,
  };
}

/**
 * /admin/v1/audit: the trail for auditors (read-only role) and super-admins. Search with
 * cursor pagination, exports (NDJSON, CSV, FHIR R4 Bundle), chain verification, signed
 * checkpoints. The purge is super-admin only and removes nothing younger than the retention.
 */
@ApiTags('audit')
@Controller('admin/v1/audit')
export class AuditAdminController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly verifier: AuditVerifyService,
    private readonly checkpoints: AuditCheckpointService,
    private readonly retention: AuditRetentionService,
  ) {}

  @Get('events')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Search audit records by time, type, actor, subject, client, outcome and IP (newest first by default)' })
  @ApiResponse({ status: 200, description: 'a page of records', standardSchema: pageSchema(auditRecordSchema) })
  @ApiProblems(400)
  async search(@Query({ schema: searchQuerySchema }) q: z.output<typeof searchQuerySchema>): Promise<Page<AuditRecord>> {
    const rows = await this.query.search(toFilter(q), { limit: q.limit + 1, afterSeq: q.cursor?.s, order: q.order });
    return toPage(rows, q.limit, (r) => ({ s: r.seq }), (r) => r);
  }

  @Get('events/:seq')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'One audit record by its sequence number' })
  @ApiResponse({ status: 200, description: 'the record', standardSchema: auditRecordSchema })
  @ApiProblems(400, 404)
  async record(@Param('seq', { schema: seqParamSchema }) seq: number): Promise<AuditRecord> {
    const record = await this.query.findRecord(seq);
    if (!record) throw new AuditError(AuditErrorCode.RECORD_NOT_FOUND, `no audit record ${seq}`);
    return record;
  }

  @Get('export')
  @AdminRoute('auditor')
  @ApiOperation({
    summary: 'Export matching records as NDJSON (verifiable offline: npm run audit:verify), CSV, or a FHIR R4 Bundle of AuditEvent',
  })
  @ApiProblems(400)
  async export(@Query({ schema: exportQuerySchema }) q: z.output<typeof exportQuerySchema>, @Req() request: AdminRequest) {
    const filter = toFilter(q);
    const chunks = await this.query.export(filter, q.format, { ...adminEventContext(request), filters: describeFilter(filter) });
    const media = EXPORT_MEDIA[q.format];
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return new StreamableFile(Readable.from(chunks, { objectMode: false }), {
      type: media.type,
      disposition: `attachment; filename="caduceus-audit-${stamp}.${media.extension}"`,
    });
  }

  @Get('verify')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Walk the hash chain (from the start, the last purge tombstone, or a checkpoint) and report the first broken link' })
  @ApiResponse({ status: 200, description: 'the verification report', standardSchema: verifyReportSchema })
  @ApiProblems(400, 404, 409)
  async verify(@Query({ schema: verifyQuerySchema }) q: z.output<typeof verifyQuerySchema>, @Req() request: AdminRequest) {
    return this.verifier.verify({ checkpointId: q.checkpoint, toSeq: q.toSeq }, adminEventContext(request).actor);
  }

  @Get('checkpoints')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Signed checkpoints, newest first (cursor pagination)' })
  @ApiResponse({ status: 200, description: 'a page of checkpoints', standardSchema: pageSchema(checkpointResponseSchema) })
  @ApiProblems(400)
  async listCheckpoints(@Query({ schema: checkpointListSchema }) q: z.output<typeof checkpointListSchema>) {
    const rows = await this.checkpoints.list({
      limit: q.limit + 1,
      before: q.cursor ? { createdAt: new Date(q.cursor.c), id: q.cursor.id } : undefined,
    });
    return toPage(rows, q.limit, (c) => ({ c: c.createdAt.toISOString(), id: c.id }), toCheckpointResponse);
  }

  @Post('checkpoints')
  @HttpCode(201)
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Sign the current chain head now (an on-demand checkpoint, itself audited)' })
  @ApiResponse({ status: 201, description: 'the checkpoint', standardSchema: checkpointResponseSchema })
  @ApiProblems(409, 503)
  async createCheckpoint(@Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const checkpoint = await this.checkpoints.createOnDemand(adminEventContext(request).actor);
    reply.header('Location', `/admin/v1/audit/checkpoints/${checkpoint.id}`);
    return toCheckpointResponse(checkpoint);
  }

  @Get('checkpoints/:id')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'One checkpoint' })
  @ApiResponse({ status: 200, description: 'the checkpoint', standardSchema: checkpointResponseSchema })
  @ApiProblems(400, 404)
  async checkpoint(@Param('id', { schema: checkpointIdSchema }) id: string) {
    return toCheckpointResponse(await this.checkpoints.find(id));
  }

  @Get('checkpoints/:id/jws')
  @AdminRoute('auditor')
  @ApiOperation({ summary: 'Download one checkpoint as a compact JWS file (application/jose), verifiable against /jwks' })
  @ApiProblems(400, 404)
  async checkpointJws(@Param('id', { schema: checkpointIdSchema }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const checkpoint = await this.checkpoints.find(id);
    reply
      .type('application/jose')
      .header('Content-Disposition', `attachment; filename="caduceus-audit-checkpoint-${checkpoint.seq}.jws"`);
    return checkpoint.jws;
  }

  @Post('purge')
  @HttpCode(200)
  @AdminRoute()
  @ApiOperation({
    summary: 'Retention purge (super-admin): remove the oldest records past the retention period, leaving a signed tombstone checkpoint',
  })
  @ApiResponse({ status: 200, description: 'what was purged (nothing when no record is past the retention)', standardSchema: purgeResultSchema })
  @ApiProblems(400, 503)
  async purge(@Body({ schema: purgeBodySchema }) body: z.output<typeof purgeBodySchema>, @Req() request: AdminRequest) {
    return this.retention.purgeExpired(adminEventContext(request).actor, body.before);
  }
}

function auditProblem(err: AuditError): Problem {
  switch (err.code) {
    case AuditErrorCode.RECORD_NOT_FOUND:
    case AuditErrorCode.CHECKPOINT_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case AuditErrorCode.EMPTY_TRAIL:
    case AuditErrorCode.CHECKPOINT_PURGED:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
    case AuditErrorCode.RETENTION_NOT_REACHED:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: err.message, errors: [{ field: 'before', message: err.message }] };
    case AuditErrorCode.WRITE_FAILED:
    case AuditErrorCode.SIGNING_FAILED:
      return { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: `${err.message}; nothing was changed` };
    default:
      return assertNever(err.code);
  }
}

export const auditProblems = problemMapping(AuditError, auditProblem);
