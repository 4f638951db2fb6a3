/**
 * The users admin API (/admin/v1/users) and the password setup page of invitation and reset
 * links, on top of IdentityModule. It exports UserManagementService (used by the admin CLI).
 * Deleting a user also removes their second factors (MfaService); their sessions and tokens
 * end through the user.deleted event (oidc/). It never returns a password or a stored link.
 */
import { Module } from '@nestjs/common';
import { MfaModule } from '../mfa/index.js';
import { IdentityModule } from './identity.module.js';
import { IdentityAdminController } from './identity.admin.controller.js';
import { PasswordSetupController } from './password-setup.controller.js';
import { UserManagementService } from './user-management.service.js';
import { UsersAdminRepository } from './users-admin.repository.js';
import { UserFactorsCleanup } from './user-factors.cleanup.js';

@Module({
  imports: [IdentityModule, MfaModule],
  controllers: [IdentityAdminController, PasswordSetupController],
  providers: [UsersAdminRepository, UserManagementService, UserFactorsCleanup],
  exports: [UserManagementService],
})
export class UsersAdminModule {}
export { UserManagementService } from './user-management.service.js';
