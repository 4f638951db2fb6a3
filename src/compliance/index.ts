export { ComplianceModule } from './compliance.module.js';
export { ComplianceClock } from './compliance-clock.js';
export { DisclosuresService } from './disclosures.service.js';
export { postureLines, type PostureLine, type PostureStatus, type PostureEvidence } from './posture-rules.js';
export type { ComplianceEvents } from './compliance.events.js';
