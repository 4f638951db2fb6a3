import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { OidcService } from './oidc.service.js';

const JOB = 'oidc-cleanup';

/** Calls OidcService.cleanupExpired on an interval; the service decides and locks. */
@Injectable()
export class OidcCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OidcCleanupJob.name);
  private readonly ticks = new JobTicks(this.logger, 'OIDC artifact cleanup');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
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
      const deleted = await this.oidc.cleanupExpired();
      if (deleted > 0) this.logger.log({ deleted }, 'deleted expired OIDC artifacts');
    });
  }
}
