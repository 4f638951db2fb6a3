// ApprovalsModule is imported by the application root from './approvals.module.js', not from
// here: what is exported here imports neither policies nor keys (see approvals-ports.ts).
export { ApprovalsService, APPROVAL_TTL_MS, type Approval, type ApprovalExecutor, type ApprovedContext, type HighRiskAct } from './approvals.service.js';
export { acceptedForApproval, ApiPendingApproval, approvalResponseSchema, type ApprovalResponse } from './approval.response.js';
export { highRiskRoles, grantsHighRiskRole, groupGrantsHighRiskRole, grantsHighRiskScope, highRiskAdminScopes } from './high-risk.js';
export type { ApprovalEvents } from './approvals.events.js';
