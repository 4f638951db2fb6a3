import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
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
    const timer = setInterval(() => void this.run(), ROTATION_CHECK_INTERVAL_MS);
    timer.unref();
    this.scheduler.addInterval(JOB, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
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
