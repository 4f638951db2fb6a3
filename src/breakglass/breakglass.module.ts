/**
 * breakglass/ owns emergency access: the "Emergency access" sign-in step (EmergencyStep; its
 * routes are the sign-in dispatcher's, src/auth/flow), emergency sessions
 * (short, never extended, marked in every token), their audit events and the review queue
 * (/admin/v1/break-glass). It exports BreakGlassService and emits breakglass.* events; alerts go
 * out through webhooks/ subscriptions to `breakglass.started`. It never checks a password or a
 * second factor itself (identity/ and mfa/ do) and never weakens which factor is asked for.
 * Its BreakGlassService.tokenClaims answers oidc/'s emergency policy port (bound in src/app/).
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { MfaModule } from '../mfa/index.js';
import { WebhooksModule } from '../webhooks/index.js';
import { BreakGlassEndJob } from './breakglass-end.job.js';
import { BreakGlassAdminController } from './breakglass.admin.controller.js';
import { BreakGlassRepository } from './breakglass.repository.js';
import { BreakGlassService } from './breakglass.service.js';
import { EmergencyStep } from './emergency.step.js';

@Module({
  imports: [IdentityModule, KeysModule, MfaModule, WebhooksModule],
  controllers: [BreakGlassAdminController],
  providers: [BreakGlassRepository, BreakGlassService, BreakGlassEndJob, EmergencyStep],
  exports: [BreakGlassService, EmergencyStep],
})
export class BreakGlassModule {}
