import { ConsentClientPolicyEntity } from './consent-client-policy.entity.js';
import { ConsentGrantAuthorizationEntity } from './consent-grant-authorization.entity.js';
import { ConsentGrantEntity } from './consent-grant.entity.js';
import { CustomScopeEntity } from './custom-scope.entity.js';
import { SmartPatientAccessEntity, SmartUserContextEntity } from './smart-user-context.entity.js';

/** The consent module's tables, for the data source's explicit entity list. */
export const CONSENT_ENTITIES = [
  ConsentGrantEntity,
  ConsentGrantAuthorizationEntity,
  ConsentClientPolicyEntity,
  CustomScopeEntity,
  SmartUserContextEntity,
  SmartPatientAccessEntity,
];

export {
  ConsentClientPolicyEntity,
  ConsentGrantAuthorizationEntity,
  ConsentGrantEntity,
  CustomScopeEntity,
  SmartPatientAccessEntity,
  SmartUserContextEntity,
};
