export { ConsentModule } from './consent.module.js';
export { ConsentStep } from './consent.step.js';
export { ConsentService, type ConsentGrant } from './consent.service.js';
export { ConsentError, ConsentErrorCode } from './consent.errors.js';
export type { ConsentEvents } from './consent.events.js';
export {
  parseScope,
  toV2,
  isWithin,
  intersect,
  narrowClinical,
  shapeScopes,
  isCoveredBy,
  type ClinicalScope,
  type ParsedScope,
  type ShapedScopes,
} from './smart-scopes.js';
export { launchRefusal, launchUserMatches, launchTokenParameters, type StoredLaunch, type LaunchContext } from './smart-launch.js';
export { isConsentSatisfied, consentRoute, launchNeeds, choosePatient, type ScopeSet } from './consent-decision.js';
export { SmartScopePolicy } from './smart-scope.policy.js';
