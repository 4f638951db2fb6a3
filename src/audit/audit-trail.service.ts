import { Injectable, Logger } from '@nestjs/common';
import { currentRequestScope, type DomainEvent, type EventMap, type EventName } from '../events/index.js';
import type { Transaction } from '../database/index.js';
import { buildAuditContent } from './audit-content.js';
import { AuditRepository } from './audit.repository.js';
import { AuditMappingTable } from './mappings/index.js';
import type { AuditRecord } from './chain/audit-record.js';
import { isDatabaseUnavailable } from '../database/index.js';

/**
 * Writes one audit record per event. Rules: without a transaction the record is committed
 * before the publisher's await returns; with one (publish({ tx })) it is appended inside that
 * transaction just before COMMIT, so the change and its record commit or roll back together.
 * A failure is thrown back (to the publisher, or out of UnitOfWork.run) and marks the current
 * request's delivery barrier, so an OIDC response is replaced by an error instead of being
 * sent without its record (fail closed).
 */
@Injectable()
export class AuditTrailService {
  private readonly logger = new Logger(AuditTrailService.name);

  constructor(
    private readonly repo: AuditRepository,
    private readonly mappings: AuditMappingTable,
  ) {}

  async record<N extends EventName>(event: DomainEvent<N, EventMap[N]>, tx?: Transaction): Promise<AuditRecord | null> {
    try {
      const mapping = this.mappings.mappingOf(event.name);
      if (!mapping) throw new Error(`event ${event.name} has no audit mapping`);
      const built = buildAuditContent(event, mapping);
      if (!built) return null;
      if (built.redacted.length) {
        this.logger.warn({ event: event.name, fields: built.redacted }, 'credential-like fields were redacted from an audit record: fix the emitter');
      }
      if (tx) {
        // Appended just before COMMIT, after the publisher's other listeners: the chain lock is
        // then never held while a listener works (one that emits an event of its own would wait on it).
        tx.beforeCommit(() => this.repo.append(built.content, tx).catch((err) => this.failed(err, event.name)));
        return null;
      }
      return await this.repo.append(built.content);
    } catch (err) {
      return this.failed(err, event.name);
    }
  }

  private failed(err: unknown, name: string): never {
    // During a database outage the action's 503 is the operator's one line (the request log); this detail is debug.
    if (isDatabaseUnavailable(err)) this.logger.debug({ reason: (err as Error).message, event: name }, 'an audit record could not be written (database unavailable); the action fails');
    else this.logger.error({ err, event: name }, 'an audit record could not be written; the action fails');
    currentRequestScope()?.barrier?.fail(err);
    throw err;
  }
}
