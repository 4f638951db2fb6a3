import { Global, Module } from '@nestjs/common';
import { APPROVAL_SECRET_SOURCE, DUAL_CONTROL_SWITCH, type ApprovalSecretSource, type DualControlSwitch } from '../approvals/approvals-ports.js';
import { KeysModule, KeysService } from '../keys/index.js';
import { PoliciesModule, PoliciesService } from '../policies/index.js';

/** Binds approvals/' ports: the dualControl runtime policy (policies/) and the key that seals stored acts (keys/). */
@Global()
@Module({
  imports: [KeysModule, PoliciesModule],
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
  ],
  exports: [DUAL_CONTROL_SWITCH, APPROVAL_SECRET_SOURCE],
})
export class ApprovalsPortsModule {}
