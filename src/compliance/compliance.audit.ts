import type { ComplianceEvents } from './compliance.events.js';
import type { MappingsFor } from '../audit/index.js';

export const complianceMappings: MappingsFor<ComplianceEvents> = {
  'compliance.report.generated': { category: 'audit-access', action: 'R' },
  // The patient is the subject, so a patient's disclosures are found by subject in the trail.
  'disclosure.recorded': {
    category: 'token',
    action: 'R',
    actor: (p) => (p.userId ? { type: 'user', id: p.userId } : { type: 'client', id: p.clientId }),
    subject: (p) => ({ type: 'patient', id: p.patientId }),
    client: (p) => p.clientId,
  },
  'compliance.disclosures.exported': { category: 'audit-access', action: 'R', subject: (p) => ({ type: 'patient', id: p.patientId }) },
};
