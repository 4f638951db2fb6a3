/**
 * breakglass/ owns emergency access: the "Emergency access" sign-in step (EmergencyStep; its
 * routes are the sign-in dispatcher's, src/auth/flow), emergency sessions
 * (short, never extended, marked in every token), their audit events and the review queue
 * (/admin/v1/break-glass). It exports BreakGlassService and emits breakglass.* events; alerts go
 * out through webhooks/ subscriptions to `breakglass.started`. It never checks a password or a
 * second factor itself (identity/ and mfa/ do) and never weakens which factor is asked for.
 */
import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { MfaModule } from '../mfa/index.js';
import { OidcModule, registerEmergencyPolicy } from '../oidc/index.js';
import { BreakGlassEndJob } from './breakglass-end.job.js';
import { BreakGlassAdminController } from './breakglass.admin.controller.js';
import { BreakGlassRepository } from './breakglass.repository.js';
import { BreakGlassService } from './breakglass.service.js';
import { EmergencyStep } from './emergency.step.js';

@Module({
  imports: [IdentityModule, KeysModule, MfaModule, OidcModule],
  controllers: [BreakGlassAdminController],
  providers: [BreakGlassRepository, BreakGlassService, BreakGlassEndJob, EmergencyStep],
  exports: [BreakGlassService, EmergencyStep],
})
export class BreakGlassModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly service: BreakGlassService,
  ) {}

  onModuleInit(): void {
    registerEmergencyPolicy(this.config, { tokenClaims: (input) => this.service.tokenClaims(input) });
  }
}
