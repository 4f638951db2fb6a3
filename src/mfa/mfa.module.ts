/**
 * mfa/ owns second factors: TOTP (sealed secrets, replay refused), WebAuthn passkeys, recovery
 * codes, the MFA policy decision (mfaRequired), the admin reset and one-time enrolment codes
 * (MFA_ENROLMENT=invite-only) and allowances (invite or password-setup links); a deleted user's factors go with them (user.deleted).
 * It exports MfaService, EnrolmentCodesService and EnrolmentAllowancesService and
 * emits mfa.* events. It never decides the sign-in flow (auth/ does) and never stores a secret
 * or a code in clear.
 */
import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/index.js';
import { ProtectedRoleGrantListener } from './protected-role-grant.listener.js';
import { IdentityModule } from '../identity/index.js';
import { MfaAdminController } from './mfa.admin.controller.js';
import { MfaRepository } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import { EnrolmentCodesService } from './enrolment-codes.service.js';
import { UserFactorsCleanup } from './user-factors.cleanup.js';
import { EnrolmentAllowancesService } from './enrolment-allowances.service.js';
import { SecondFactorLockout } from './second-factor-lockout.js';

@Module({
  imports: [KeysModule, IdentityModule],
  controllers: [MfaAdminController],
  providers: [MfaRepository, MfaService, EnrolmentCodesService, EnrolmentAllowancesService, UserFactorsCleanup, SecondFactorLockout, ProtectedRoleGrantListener],
  exports: [MfaService, EnrolmentCodesService, EnrolmentAllowancesService, SecondFactorLockout],
})
export class MfaModule {}
