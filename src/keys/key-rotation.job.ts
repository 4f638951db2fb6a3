import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { KeyLifecycleService } from './key-lifecycle.service.js';

const JOB = 'keys-rotation';
/** Rotation decisions are made in hours and days; checking every minute is plenty and cheap. */
export const ROTATION_CHECK_INTERVAL_MS = 60_000;

/** Calls KeyLifecycleService.runScheduledRotation every minute; the service decides and locks. */
@Injectable()
export class KeyRotationJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotationJob.name);

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

  async run(): Promise<void> {
    try {
      const actions = await this.lifecycle.runScheduledRotation();
      if (actions.length > 0) this.logger.log({ actions }, 'signing key rotation step done');
    } catch (err) {
      this.logger.error({ err }, 'signing key rotation failed; it will be retried');
    }
  }
}
