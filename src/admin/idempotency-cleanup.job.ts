import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { AdvisoryLockService } from '../database/index.js';
import { IdempotencyService } from './idempotency.service.js';

const JOB = 'admin-idempotency-cleanup';
const INTERVAL_MS = 60 * 60 * 1000;

/**
 * Hourly deletion of expired Idempotency-Key records. Expired rows are already ignored when a
 * key is reused (the claim takes them over), so this only bounds the table; one instance at a time.
 */
@Injectable()
export class IdempotencyCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyCleanupJob.name);
  private readonly ticks = new JobTicks(this.logger, 'idempotency record cleanup');

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly locks: AdvisoryLockService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, INTERVAL_MS, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<number> {
    return this.ticks.run(async () => {
      const outcome = await this.locks.tryWithLock('caduceus:admin-idempotency-cleanup', () => this.idempotency.deleteExpired());
      const deleted = outcome.ran ? outcome.result : 0;
      if (deleted > 0) this.logger.log({ deleted }, 'deleted expired idempotency records');
      return deleted;
    }, 0);
  }
}
