/**
 * auth/ owns the sign-in interaction: the dispatcher controller oidc-provider hands browsers to,
 * the password step (a passport strategy), the second-factor step's pages, CSRF protection and
 * the brute-force throttle.
 * It exports nothing and emits auth.login.* events; it never verifies a password itself
 * (identity/ does) and never speaks the OAuth protocol (oidc/ does).
 */
import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { OidcModule } from '../oidc/index.js';
import { MfaModule } from '../mfa/index.js';
import { ClientsModule } from '../clients/index.js';
import { PoliciesModule } from '../policies/index.js';
import { FederationModule } from '../federation/index.js';
import { InteractionsService } from './interactions.service.js';
import { MfaController } from './mfa.controller.js';
import { MfaStep } from './mfa.step.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';
import { AuthCleanupJob } from './auth-cleanup.job.js';
import { AssetsController } from './assets.controller.js';
import { AuthRepository } from './auth.repository.js';
import { CsrfGuard } from './csrf.guard.js';
import { InteractionController } from './interaction.controller.js';
import { PasswordAuthGuard } from './password-auth.guard.js';
import { PasswordStrategy } from './password.strategy.js';
import { SignInService } from './sign-in.service.js';

@Module({
  imports: [PassportModule, IdentityModule, KeysModule, OidcModule, MfaModule, ClientsModule, FederationModule, PoliciesModule],
  controllers: [InteractionController, MfaController, AssetsController],
  providers: [
    AuthRepository,
    SignInService,
    PasswordStrategy,
    PasswordAuthGuard,
    CsrfGuard,
    InteractionsService,
    MfaStep,
    SignInProgressRepository,
    AuthCleanupJob,
  ],
})
export class AuthModule {}
