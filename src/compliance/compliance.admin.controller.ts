import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminRoute, adminEventContext, type AdminRequest } from '../admin/index.js';
import { ComplianceService } from './compliance.service.js';
import { DisclosuresService } from './disclosures.service.js';
import { postureReportPage } from './report-page.js';

const reportQuery = z.object({ format: z.enum(['json', 'html']).default('json') });
const patientParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'is not a FHIR Patient id');
const disclosuresQuery = z.object({ format: z.enum(['json', 'csv', 'fhir']).default('json') });

/** /admin/v1/compliance: the HIPAA posture report, as JSON or as a printable page (super-admin, auditor). */
@ApiTags('compliance')
@Controller('admin/v1/compliance')
export class ComplianceAdminController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly disclosures: DisclosuresService,
  ) {}

  @Get('report')
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: 'Each technical safeguard of 45 CFR 164.312 judged from live evidence: met, attention or not met, with the reason' })
  async report(@Query({ schema: reportQuery }) q: z.output<typeof reportQuery>, @Req() req: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { actor, correlationId } = adminEventContext(req);
    const report = await this.compliance.report(q.format, actor, correlationId);
    if (q.format === 'json') return report;
    reply.type('text/html; charset=utf-8');
    return postureReportPage(report).toString();
  }

  @Get('patients/:patientId/disclosures')
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: "Accounting of disclosures (45 CFR 164.528): apps that received tokens with this patient's launch context; JSON, CSV or FHIR AuditEvents" })
  async patientDisclosures(
    @Param('patientId', { schema: patientParam }) patientId: string,
    @Query({ schema: disclosuresQuery }) q: z.output<typeof disclosuresQuery>,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { actor, correlationId } = adminEventContext(req);
    const entries = await this.disclosures.list(patientId, q.format, actor, correlationId);
    if (q.format === 'csv') {
      reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="disclosures-${patientId}.csv"`);
      return this.disclosures.toCsv(entries);
    }
    if (q.format === 'fhir') {
      reply.type('application/fhir+json');
      return this.disclosures.toFhir(patientId, entries);
    }
    return { patientId, items: entries };
  }
}
