import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ConsentService } from './consent.service.js';

const JOB = 'consent-cleanup';

/** Calls ConsentService.cleanupExpiredLinks on the protocol cleanup interval; deleting is idempotent on every instance. */
@Injectable()
export class ConsentCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsentCleanupJob.name);
  private readonly ticks = new JobTicks(this.logger, 'consent link cleanup');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consent: ConsentService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, this.config.oidcCleanupIntervalSeconds * 1000, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<void> {
    return this.ticks.run(async () => {
      const deleted = await this.consent.cleanupExpiredLinks();
      if (deleted > 0) this.logger.log({ deleted }, 'forgot ended provider grants of consents');
    });
  }
}
