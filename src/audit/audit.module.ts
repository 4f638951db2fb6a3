/**
 * audit/ owns the tamper-evident trail: one hash-chained record per domain event (every name
 * in EventMap has a mapping, owned by its module's `<module>.audit.ts` and collected through
 * the AUDIT_MAPPINGS token), signed checkpoints, verification, exports and retention purge.
 * It exports AuditTrailService (for tests and tooling) and emits audit.* events; it listens to all.
 * It never updates or deletes a record except through the retention purge, and never stores a
 * credential (every record's details pass the redaction guard).
 */
import { Module } from '@nestjs/common';
import { AuditAdminController } from './audit.admin.controller.js';
import { AuditCheckpointJob } from './audit-checkpoint.job.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';
import { AUDIT_CLOCK, systemAuditClock } from './audit-clock.js';
import { AuditListener } from './audit.listener.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditRepository } from './audit.repository.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditTrailService } from './audit-trail.service.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { AUDIT_MAPPINGS, AuditMappingTable, type AuditMappings } from './mappings/index.js';

@Module({
  controllers: [AuditAdminController],
  providers: [
    { provide: AUDIT_CLOCK, useFactory: systemAuditClock },
    // The mappings and the signer (AUDIT_SIGNER) come from the composition root (src/app/audit-mappings.ts).
    { provide: AuditMappingTable, inject: [AUDIT_MAPPINGS], useFactory: (mappings: AuditMappings) => new AuditMappingTable(mappings) },
    AuditRepository,
    AuditTrailService,
    AuditListener,
    AuditCheckpointService,
    AuditCheckpointJob,
    AuditVerifyService,
    AuditQueryService,
    AuditRetentionService,
  ],
  exports: [AuditTrailService, AuditCheckpointService, AUDIT_CLOCK, AuditVerifyService, AuditQueryService],
})
export class AuditModule {}
