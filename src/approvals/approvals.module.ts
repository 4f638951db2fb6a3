/**
 * approvals/ owns dual control (four-eyes) of high-risk admin acts: the pending changes at
 * /admin/v1/approvals, their 24-hour expiry and the approval.* events. It exports
 * ApprovalsService (gate, register) to the modules that own the acts; it never carries out an
 * act itself, only through the executor its owner registered, and never lets the requester decide.
 * What it needs from policies and keys arrives through its ports (approvals-ports.ts), bound at
 * the composition root (src/app/approvals-ports.module.ts): approvals imports neither.
 */
import { Global, Module } from '@nestjs/common';
import { ApprovalsAdminController } from './approvals.admin.controller.js';
import { ApprovalsRepository } from './approvals.repository.js';
import { ApprovalsService } from './approvals.service.js';

@Global()
@Module({
  controllers: [ApprovalsAdminController],
  providers: [
    ApprovalsRepository,
    ApprovalsService,
  ],
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
