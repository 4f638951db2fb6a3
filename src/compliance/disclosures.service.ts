import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AuditQueryService } from '../audit/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import type { Disclosure } from '../oidc/index.js';

export interface DisclosureEntry {
  seq: number;
  occurredAt: string;
  patientId: string;
  encounterId: string | null;
  clientId: string;
  onBehalfOf: string | null;
  scopes: string[];
  breakGlass: boolean;
  breakGlassSession: string | null;
}

const PAGE = 1000;
const MAX = 50_000;

/**
 * Accounting of disclosures per patient (45 CFR 164.528): every access token that carried a
 * patient's SMART launch context is recorded in the audit trail with the patient as subject,
 * and read back from there (the trail is tamper-evident, so the accounting is too).
 */
@Injectable()
export class DisclosuresService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditQueryService,
    private readonly bus: EventBus,
  ) {}

  async record(d: Disclosure): Promise<void> {
    await this.bus.publish(
      'disclosure.recorded',
      { patientId: d.patientId, encounterId: d.encounterId, clientId: d.clientId, userId: d.accountId, scope: d.scope, grantId: d.grantId, breakGlassSession: d.breakGlassSession },
      { actor: d.accountId ? { type: 'user', id: d.accountId } : { type: 'client', id: d.clientId } },
    );
  }

  async list(patientId: string, format: 'json' | 'csv' | 'fhir', actor: EventActor, correlationId?: string): Promise<DisclosureEntry[]> {
    const entries: DisclosureEntry[] = [];
    let afterSeq: number | undefined;
    while (entries.length < MAX) {
      const page = await this.audit.search({ type: 'disclosure.recorded', subjectType: 'patient', subject: patientId }, { limit: PAGE, afterSeq, order: 'asc' });
      for (const r of page) {
        const d = r.details as { encounterId?: string | null; clientId: string; userId: string | null; scope: string | null; breakGlassSession: string | null };
        entries.push({
          seq: r.seq,
          occurredAt: r.occurredAt,
          patientId,
          encounterId: d.encounterId ?? null,
          clientId: d.clientId,
          onBehalfOf: d.userId,
          scopes: (d.scope ?? '').split(' ').filter(Boolean),
          breakGlass: Boolean(d.breakGlassSession),
          breakGlassSession: d.breakGlassSession ?? null,
        });
      }
      if (page.length < PAGE) break;
      afterSeq = page.at(-1)!.seq;
    }
    await this.bus.publish('compliance.disclosures.exported', { patientId, format, count: entries.length }, { actor, correlationId });
    return entries;
  }

  /** FHIR R4 AuditEvents (DICOM "Export"), one per disclosure, in a collection Bundle. */
  toFhir(patientId: string, entries: DisclosureEntry[]) {
    return {
      resourceType: 'Bundle',
      type: 'collection',
      entry: entries.map((e) => ({
        resource: {
          resourceType: 'AuditEvent',
          id: String(e.seq),
          type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
          action: 'R',
          recorded: e.occurredAt,
          outcome: '0',
          purposeOfEvent: e.breakGlass
            ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'ETREAT', display: 'Emergency Treatment' }] }]
            : undefined,
          agent: [
            ...(e.onBehalfOf ? [{ who: { identifier: { system: `${this.config.issuer}/users`, value: e.onBehalfOf } }, requestor: true }] : []),
            { who: { identifier: { system: `${this.config.issuer}/clients`, value: e.clientId } }, requestor: !e.onBehalfOf },
          ],
          source: { observer: { display: this.config.issuer } },
          entity: [
            { what: { reference: `Patient/${patientId}` }, description: e.scopes.join(' ') },
            ...(e.encounterId ? [{ what: { reference: `Encounter/${e.encounterId}` } }] : []),
          ],
        },
      })),
    };
  }

  toCsv(entries: DisclosureEntry[]): string {
    const cell = (v: unknown) => {
      const s = String(v ?? '');
      // Quote always; neutralise spreadsheet formulas.
      return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
    };
    // encounterId last: existing consumers read the columns before it by position.
    const header = ['occurredAt', 'patientId', 'clientId', 'onBehalfOf', 'scopes', 'breakGlass', 'breakGlassSession', 'encounterId'];
    const rows = entries.map((e) => [e.occurredAt, e.patientId, e.clientId, e.onBehalfOf, e.scopes.join(' '), e.breakGlass, e.breakGlassSession, e.encounterId].map(cell).join(','));
    return [header.join(','), ...rows].join('\r\n') + '\r\n';
  }
}
