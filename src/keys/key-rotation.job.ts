import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { KeyLifecycleService } from './key-lifecycle.service.js';

const JOB = 'keys-rotation';
/** Rotation decisions are made in hours and days; checking every minute is plenty and cheap. */
export const ROTATION_CHECK_INTERVAL_MS = 60_000;

/** Calls KeyLifecycleService.runScheduledRotation every minute; the service decides and locks. */
@Injectable()
export class KeyRotationJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotationJob.name);
  private readonly ticks = new JobTicks(this.logger, 'signing key rotation');

  constructor(
    private readonly lifecycle: KeyLifecycleService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, ROTATION_CHECK_INTERVAL_MS, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<void> {
    return this.ticks.run(async () => {
      const actions = await this.lifecycle.runScheduledRotation();
      if (actions.length > 0) this.logger.log({ actions }, 'signing key rotation step done');
    });
  }
}
