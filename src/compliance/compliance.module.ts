/**
 * compliance/ owns the HIPAA posture report (/admin/v1/compliance/report) and the accounting of
 * disclosures per patient (records each token carrying a patient's launch context). It reads evidence
 * only through other modules' exported services and judges it with pure rules
 * (posture-rules.ts). It emits compliance.report.generated; it never changes a setting.
 */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/index.js';
import { BreakGlassModule } from '../breakglass/index.js';
import { KeysModule } from '../keys/index.js';
import { MfaModule } from '../mfa/index.js';
import { PoliciesModule } from '../policies/index.js';
import { UsersAdminModule } from '../identity/users-admin.module.js';
import { ComplianceClock } from './compliance-clock.js';
import { ComplianceAdminController } from './compliance.admin.controller.js';
import { ComplianceService } from './compliance.service.js';
import { DisclosuresService } from './disclosures.service.js';

@Module({
  imports: [AuditModule, BreakGlassModule, KeysModule, MfaModule, PoliciesModule, UsersAdminModule],
  controllers: [ComplianceAdminController],
  providers: [ComplianceClock, ComplianceService, DisclosuresService],
  // DisclosuresService answers oidc/'s disclosure recorder port (bound in src/app/).
  exports: [DisclosuresService],
})
export class ComplianceModule {}
