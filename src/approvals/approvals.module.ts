/**
 * approvals/ owns dual control (four-eyes) of high-risk admin acts: the pending changes at
 * /admin/v1/approvals, their 24-hour expiry and the approval.* events. It exports
 * ApprovalsService (gate, register) to the modules that own the acts; it never carries out an
 * act itself, only through the executor its owner registered, and never lets the requester decide.
 * This file is imported by the application root only (it reads policies and keys).
 */
import { Global, Module } from '@nestjs/common';
import { KeysModule, KeysService } from '../keys/index.js';
import { PoliciesModule, PoliciesService } from '../policies/index.js';
import { ApprovalsAdminController } from './approvals.admin.controller.js';
import { APPROVAL_SECRET_SOURCE, DUAL_CONTROL_SWITCH, type ApprovalSecretSource, type DualControlSwitch } from './approvals-ports.js';
import { ApprovalsRepository } from './approvals.repository.js';
import { ApprovalsService } from './approvals.service.js';

@Global()
@Module({
  imports: [KeysModule, PoliciesModule],
  controllers: [ApprovalsAdminController],
  providers: [
    ApprovalsRepository,
    ApprovalsService,
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
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
