/**
 * auth/ owns the sign-in interaction: the dispatcher (src/auth/flow) that serves every
 * /interaction/:uid route and is the one caller of oidc-provider's interactionResult, the
 * password step, the second-factor step's routes, the sign-in state row, CSRF protection and
 * the brute-force throttle.
 * It exports MfaStep (the MFA policy, for the provider's step-up port) and emits auth.login.* and auth.flow.refused events; it never verifies a
 * password itself (identity/ does) and never speaks the OAuth protocol beyond the interaction (oidc/ does).
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { OidcModule } from '../oidc/index.js';
import { MfaChallengeStep, MfaModule } from '../mfa/index.js';
import { ClientsModule } from '../clients/index.js';
import { PoliciesModule } from '../policies/index.js';
import { FederationModule } from '../federation/index.js';
import { BreakGlassModule } from '../breakglass/index.js';
import { FlowMfaController } from './flow/mfa.controller.js';
import { InteractionController } from './flow/interaction.controller.js';
import { InteractionSessions } from './flow/interaction-session.js';
import { MfaStep } from './mfa.step.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';
import { AuthCleanupJob } from './auth-cleanup.job.js';
import { AssetsController } from './assets.controller.js';
import { AuthRepository } from './auth.repository.js';
import { SignInService } from './sign-in.service.js';

@Module({
  imports: [IdentityModule, KeysModule, OidcModule, MfaModule, ClientsModule, FederationModule, PoliciesModule, BreakGlassModule],
  controllers: [InteractionController, FlowMfaController, AssetsController],
  providers: [
    AuthRepository,
    SignInService,
    InteractionSessions,
    MfaStep,
    SignInProgressRepository,
    AuthCleanupJob,
    // The second-factor step (mfa/) renders the dispatcher's pages, handed in here.
    MfaChallengeStep,
  ],
  // The MFA policy of a live session, for the provider's step-up check (bound in src/app/oidc-ports.module.ts).
  exports: [MfaStep],
})
export class AuthModule {}
