/**
 * scim/ is the SCIM 2.0 service provider (RFC 7643, RFC 7644) at /scim/v2: the hospital
 * directory (Entra ID, Okta) provisions Users and Groups through it. It owns no table: every
 * change goes through identity's UserManagementService and GroupsService, audited with the
 * provisioning client as actor. It exports nothing. It never grants or removes a protected
 * role, and never matches an account by email on its own (the directory matches by filter).
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/index.js';
import { UsersAdminModule } from '../identity/users-admin.module.js';
import { ScimAuthGuard } from './scim-auth.guard.js';
import { ScimDiscoveryController } from './scim-discovery.controller.js';
import { ScimErrorFilter } from './scim-error.filter.js';
import { ScimGroupsService } from './scim-groups.service.js';
import { ScimHttpHooks } from './scim-http.hooks.js';
import { ScimUsersService } from './scim-users.service.js';
import { ScimController } from './scim.controller.js';

@Module({
  imports: [IdentityModule, UsersAdminModule],
  controllers: [ScimDiscoveryController, ScimController],
  providers: [ScimAuthGuard, ScimErrorFilter, ScimUsersService, ScimGroupsService, ScimHttpHooks],
})
export class ScimModule {}
