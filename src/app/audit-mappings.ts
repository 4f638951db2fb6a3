import { Global, Module } from '@nestjs/common';
import { AUDIT_MAPPINGS as AUDIT_MAPPINGS_TOKEN, AUDIT_SIGNER, type AuditMappings } from '../audit/index.js';
import { adminMappings } from '../admin/admin.audit.js';
import { auditMappings } from '../audit/audit.audit.js';
import { authMappings } from '../auth/auth.audit.js';
import { breakGlassMappings } from '../breakglass/breakglass.audit.js';
import { clientMappings } from '../clients/clients.audit.js';
import { complianceMappings } from '../compliance/compliance.audit.js';
import { consentMappings } from '../consent/consent.audit.js';
import { federationMappings } from '../federation/federation.audit.js';
import { hardeningMappings } from '../hardening/hardening.audit.js';
import { identityMappings } from '../identity/identity.audit.js';
import { keyMappings } from '../keys/keys.audit.js';
import { KeysModule, KeysService } from '../keys/index.js';
import { mfaMappings } from '../mfa/mfa.audit.js';
import { oidcMappings } from '../oidc/oidc.audit.js';
import { policyMappings } from '../policies/policies.audit.js';
import { webhookMappings } from '../webhooks/webhooks.audit.js';
import { setupMappings } from '../setup/setup.audit.js';
import { accountMappings } from '../account/account.audit.js';
import { approvalMappings } from '../approvals/approvals.audit.js';

/**
 * Every event's audit mapping, from the module that owns the event (`<module>.audit.ts`).
 * Typed as AuditMappings (a mapped type over EventName), so a new event without a mapping is a
 * compile error here; add its module's mappings beside these.
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

/** Binds audit/'s ports, the mappings and the checkpoint signer (global, so AuditModule sees them without importing any module). */
@Global()
@Module({
  imports: [KeysModule],
  providers: [
    { provide: AUDIT_MAPPINGS_TOKEN, useValue: AUDIT_MAPPINGS },
    { provide: AUDIT_SIGNER, useExisting: KeysService },
  ],
  exports: [AUDIT_MAPPINGS_TOKEN, AUDIT_SIGNER],
})
export class AuditMappingsModule {}
