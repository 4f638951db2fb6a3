import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { AUDIT_CLOCK, type AuditClock } from './audit-clock.js';
import type { AuditFilter } from './audit-filter.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditRecord } from './chain/audit-record.js';
import { exportChunks, type ExportFormat } from './export/audit-export.js';
import { AuditMappingTable } from './mappings/index.js';

/**
 * Reading the trail: search pages and exports. An export is itself audited before its first
 * byte leaves (if that record cannot be written, nothing is exported), and it is bounded at
 * the head as it was when the export began, so it ends even while records keep arriving.
 */
@Injectable()
export class AuditQueryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_CLOCK) private readonly clock: AuditClock,
    private readonly repo: AuditRepository,
    private readonly bus: EventBus,
    private readonly mappings: AuditMappingTable,
  ) {}

  search(filter: AuditFilter, page: { limit: number; afterSeq?: number; order: 'asc' | 'desc' }): Promise<AuditRecord[]> {
    return this.repo.search(filter, page);
  }

  findRecord(seq: number): Promise<AuditRecord | null> {
    return this.repo.findRecord(seq);
  }

  async export(
    filter: AuditFilter,
    format: ExportFormat,
    audit: { actor: EventActor; correlationId?: string; filters: Record<string, string> },
  ): Promise<AsyncGenerator<string>> {
    const head = await this.repo.head();
    const bounded: AuditFilter = { ...filter, toSeq: Math.min(filter.toSeq ?? Number.MAX_SAFE_INTEGER, head?.seq ?? 0) };
    await this.bus.publish(
      'audit.exported',
      { format, filters: audit.filters, throughSeq: head?.seq ?? null },
      { actor: audit.actor, correlationId: audit.correlationId },
    );
    return exportChunks(this.repo.scan(bounded), format, { issuer: this.config.issuer, now: this.clock.now(), mappings: this.mappings });
  }
}
