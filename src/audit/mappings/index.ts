import type { EventName } from '../../events/index.js';
import type { AuditMapping, AuditMappings } from './audit-mapping.js';
import { auditMappings } from './audit.mappings.js';
import { authMappings } from './auth.mappings.js';
import { clientMappings } from './clients.mappings.js';
import { identityMappings } from './identity.mappings.js';
import { keyMappings } from './keys.mappings.js';
import { mfaMappings } from './mfa.mappings.js';
import { consentMappings } from './consent.mappings.js';
import { oidcMappings } from './oidc.mappings.js';
import { federationMappings } from './federation.mappings.js';
import { breakGlassMappings } from './breakglass.mappings.js';
import { webhookMappings } from './webhooks.mappings.js';
import { complianceMappings } from './compliance.mappings.js';
import { policyMappings } from './policies.mappings.js';
import { adminMappings } from './admin.mappings.js';
import { hardeningMappings } from './hardening.mappings.js';
import { setupMappings } from './setup.mappings.js';
import { accountMappings } from './account.mappings.js';
import { approvalMappings } from './approvals.mappings.js';

/**
 * Every event's audit mapping. Typed as AuditMappings (a mapped type over EventName), so a new
 * event without a mapping is a compile error here; add its module's mappings file beside these.
 */
export const AUDIT_MAPPINGS: AuditMappings = {
  ...keyMappings,
  ...clientMappings,
  ...identityMappings,
  ...authMappings,
  ...mfaMappings,
  ...consentMappings,
  ...oidcMappings,
  ...policyMappings,
  ...adminMappings,
  ...auditMappings,
  ...federationMappings,
  ...breakGlassMappings,
  ...webhookMappings,
  ...complianceMappings,
  ...hardeningMappings,
  ...setupMappings,
  ...accountMappings,
  ...approvalMappings,
};

export const AUDITED_EVENT_NAMES = Object.keys(AUDIT_MAPPINGS) as EventName[];

export function mappingOf<N extends EventName>(name: N): AuditMapping<N> | undefined {
  return (AUDIT_MAPPINGS as Record<string, AuditMapping<N> | undefined>)[name];
}

export type { AuditMapping, AuditMappings, AuditCategory, AuditAction } from './audit-mapping.js';
