import { Global, Module } from '@nestjs/common';
import {
  APPROVAL_SECRET_SOURCE,
  APPROVER_DIRECTORY,
  DUAL_CONTROL_SWITCH,
  type ApprovalSecretSource,
  type ApproverDirectory,
  type DualControlSwitch,
  type SuperAdminHolder,
} from '../approvals/approvals-ports.js';
import { roleScope } from '../admin/index.js';
import { ClientsModule, ClientsService } from '../clients/index.js';
import { UserManagementService, UsersAdminModule } from '../identity/users-admin.module.js';
import { KeysModule, KeysService } from '../keys/index.js';
import { PoliciesModule, PoliciesService } from '../policies/index.js';

/** At most this many people are read as super-admins (a deployment has a handful). */
const MAX_SUPER_ADMIN_PEOPLE = 1000;

/**
 * Binds approvals/' ports: the dualControl runtime policy (policies/), the key that seals stored
 * acts (keys/), and who holds super-admin now with a mark of their credentials (identity/: a
 * person's version, roles through groups included; clients/: a client's secret and keys).
 */
@Global()
@Module({
  imports: [KeysModule, PoliciesModule, ClientsModule, UsersAdminModule],
  providers: [
    {
      provide: DUAL_CONTROL_SWITCH,
      inject: [PoliciesService],
      useFactory: (policies: PoliciesService): DualControlSwitch => ({
        dualControlOn: async () => (await policies.read()).policies.admin.dualControl,
      }),
    },
    {
      provide: APPROVAL_SECRET_SOURCE,
      inject: [KeysService],
      useFactory: (keys: KeysService): ApprovalSecretSource => ({ sealingKey: () => keys.getSecret('approval-acts') }),
    },
    {
      provide: APPROVER_DIRECTORY,
      inject: [UserManagementService, ClientsService],
      useFactory: (users: UserManagementService, clients: ClientsService): ApproverDirectory => ({
        superAdmins: async () => {
          const people: SuperAdminHolder[] = (await users.list({ limit: MAX_SUPER_ADMIN_PEOPLE, status: 'active', role: 'super-admin' })).map(
            ({ user }) => ({ type: 'admin', id: user.id, credentials: String(user.version) }),
          );
          const machines: SuperAdminHolder[] = (await clients.liveClientCredentialsFor(roleScope('super-admin'))).map((c) => ({
            type: 'client',
            id: c.clientId,
            credentials: c.credentials,
          }));
          return [...people, ...machines];
        },
      }),
    },
  ],
  exports: [DUAL_CONTROL_SWITCH, APPROVAL_SECRET_SOURCE, APPROVER_DIRECTORY],
})
export class ApprovalsPortsModule {}
