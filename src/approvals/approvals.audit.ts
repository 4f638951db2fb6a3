import type { ApprovalEvents } from './approvals.events.js';
import type { MappingsFor } from '../audit/index.js';

const approval = (p: { approvalId: string }) => ({ type: 'approval', id: p.approvalId });

// Dual control of high-risk admin acts (#17): administration, whatever the act.
export const approvalMappings: MappingsFor<ApprovalEvents> = {
  'approval.requested': { category: 'user-administration', action: 'C', subject: approval },
  'approval.approved': { category: 'user-administration', action: 'U', subject: approval },
  'approval.rejected': { category: 'user-administration', action: 'U', subject: approval },
  'approval.failed': { category: 'user-administration', action: 'U', outcome: () => 'failure', subject: approval },
  'approval.interrupted': { category: 'user-administration', action: 'U', outcome: () => 'failure', subject: approval },
  'approval.expired': { category: 'user-administration', action: 'U', subject: approval },
};
