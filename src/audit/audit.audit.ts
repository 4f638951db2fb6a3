import type { AuditEvents } from './audit.events.js';
import type { MappingsFor } from './mappings/audit-mapping.js';

const trail = () => ({ type: 'audit_trail', id: 'caduceus' });

export const auditMappings: MappingsFor<AuditEvents> = {
  'audit.checkpoint.created': { category: 'audit-access', action: 'C', subject: (p) => ({ type: 'audit_checkpoint', id: p.checkpointId }) },
  'audit.exported': { category: 'audit-access', action: 'R', subject: trail },
  'audit.verified': { category: 'audit-access', action: 'E', subject: trail, outcome: (p) => (p.ok ? 'success' : 'failure') },
  'audit.purged': { category: 'audit-access', action: 'D', subject: trail },
};
