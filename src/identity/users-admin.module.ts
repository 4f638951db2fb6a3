/**
 * The users admin API (/admin/v1/users) and the password setup page of invitation and reset
 * links, on top of IdentityModule. It exports UserManagementService (used by the admin CLI).
 * Deleting a user also removes their second factors (mfa/ listens to user.deleted, in the
 * delete's unit of work); their sessions and tokens end through the same event (oidc/). It never returns a password or a stored link.
 * It also owns groups (GroupsService): the roles a group grants count as its members' roles.
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from './identity.module.js';
import { IdentityAdminController } from './identity.admin.controller.js';
import { PasswordSetupController } from './password-setup.controller.js';
import { UserManagementService } from './user-management.service.js';
import { UsersAdminRepository } from './users-admin.repository.js';
import { GroupsRepository } from './groups.repository.js';
import { GroupsService } from './groups.service.js';
import { GroupsAdminController } from './groups.admin.controller.js';
import { ProtectedRoleGrants } from './protected-role-grants.js';

@Module({
  imports: [IdentityModule],
  controllers: [IdentityAdminController, GroupsAdminController, PasswordSetupController],
  providers: [UsersAdminRepository, UserManagementService, GroupsRepository, GroupsService, ProtectedRoleGrants],
  exports: [UserManagementService, GroupsService],
})
export class UsersAdminModule {}
export { UserManagementService } from './user-management.service.js';
export { GroupsService, type GroupAction } from './groups.service.js';
export type { GroupFields, GroupRecord, GroupMember } from './groups.repository.js';
export type { UserRecord } from './users-admin.repository.js';
export type { UserAction } from './user-management.service.js';
export type { DirectoryAttribute, DirectoryFilter } from './directory-filter.js';
