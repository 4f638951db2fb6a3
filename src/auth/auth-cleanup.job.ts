import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { AuthRepository } from './auth.repository.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';

const JOB = 'auth-cleanup';
const INTERVAL_MS = 10 * 60 * 1000;

/** Deletes sign-in progress rows and throttle counters that can no longer matter. Idempotent. */
@Injectable()
export class AuthCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuthCleanupJob.name);
  private readonly ticks = new JobTicks(this.logger, 'sign-in state cleanup');

  constructor(
    private readonly progress: SignInProgressRepository,
    private readonly throttle: AuthRepository,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, INTERVAL_MS, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<void> {
    return this.ticks.run(async () => {
      await this.progress.deleteExpired();
      await this.throttle.deleteStale();
    });
  }
}
