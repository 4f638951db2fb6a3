import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { AuditCheckpointService } from './audit-checkpoint.service.js';

const JOB = 'audit-checkpoint';

/**
 * Asks for a periodic checkpoint at least once a minute; the service decides from the stored
 * checkpoints whether one is due, so instances started at different times still sign about
 * once per AUDIT_CHECKPOINT_INTERVAL_MINUTES between them.
 */
@Injectable()
export class AuditCheckpointJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointJob.name);
  private readonly ticks = new JobTicks(this.logger, 'the periodic audit checkpoint');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checkpoints: AuditCheckpointService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = Math.min(60_000, this.config.audit.checkpointIntervalMinutes * 60_000);
    scheduleJob(this.scheduler, JOB, everyMs, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<void> {
    return this.ticks.run(async () => {
      await this.checkpoints.createPeriodicIfDue();
    });
  }
}
