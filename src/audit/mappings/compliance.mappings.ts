import type { ComplianceEvents } from '../../compliance/index.js';
import type { MappingsFor } from './audit-mapping.js';

export const complianceMappings: MappingsFor<ComplianceEvents> = {
  'compliance.report.generated': { category: 'audit-access', action: 'R' },
};
