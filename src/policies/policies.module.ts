/**
 * policies/ owns the runtime policies administrators may change: password length, MFA policy,
 * token and session lifetimes, lockout thresholds (defaults from the environment, one stored row).
 * It exports PoliciesService (cached snapshots for hot paths) and emits policy.updated.
 * It never widens a bound beyond what the environment schema allows.
 */
import { Module } from '@nestjs/common';
import { PoliciesAdminController } from './policies.admin.controller.js';
import { PoliciesRepository } from './policies.repository.js';
import { PoliciesService } from './policies.service.js';

@Module({
  controllers: [PoliciesAdminController],
  providers: [PoliciesRepository, PoliciesService],
  exports: [PoliciesService],
})
export class PoliciesModule {}
