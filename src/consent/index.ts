export { ConsentModule } from './consent.module.js';
export { ConsentStep, type ConsentContext } from './consent.step.js';
export { connectedAppsPage, type ConnectedAppsPage } from './consent-pages.js';
export { SmartLaunchService } from './smart-launch.service.js';
export { SmartContextService } from './smart-context.service.js';
export { ConsentService, type ConsentGrant } from './consent.service.js';
export { ClientPolicyService } from './client-policy.service.js';
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
export { AccountService, ACCOUNT_CLIENT_ID, ACCOUNT_CALLBACK_PATH } from './account.service.js';
export { ACCOUNT_APPS_PATH } from './consent.step.js';
export { SmartScopePolicy } from './smart-scope.policy.js';
export { CONSENT_PROVIDER, type ConsentProvider, type ProviderRevocation } from './consent-ports.js';
