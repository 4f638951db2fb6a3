export { PoliciesModule } from './policies.module.js';
export { PoliciesService, type PolicySnapshot } from './policies.service.js';
export { defaultPolicies, type PolicyDocument } from './policies.schemas.js';
export type { PolicyEvents } from './policies.events.js';
