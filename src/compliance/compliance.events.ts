/** Compliance events: reading the posture report is itself an audited act. */
export interface ComplianceEvents {
  'compliance.report.generated': { format: 'json' | 'html'; met: number; attention: number; notMet: number };
  /** An app received a token carrying this patient's launch context (a disclosure, 45 CFR 164.528). */
  'disclosure.recorded': {
    patientId: string;
    /** The encounter of the launch context (EHR launch, or a standalone one that chose one), if any. */
    encounterId: string | null;
    clientId: string;
    userId: string | null;
    scope: string | null;
    grantId: string | null;
    breakGlassSession: string | null;
  };
  /** Someone read or exported a patient's accounting of disclosures. */
  'compliance.disclosures.exported': { patientId: string; format: 'json' | 'csv' | 'fhir'; count: number };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends ComplianceEvents {}
}
