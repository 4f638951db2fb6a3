import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { OidcService } from './oidc.service.js';

const JOB = 'oidc-artifact-cleanup';

/** Calls OidcService.cleanupExpired on an interval; the service decides and locks. */
@Injectable()
export class OidcCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OidcCleanupJob.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.run(), this.config.oidcCleanupIntervalSeconds * 1000);
    timer.unref();
    this.scheduler.addInterval(JOB, timer);
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', JOB)) this.scheduler.deleteInterval(JOB);
  }

  async run(): Promise<void> {
    try {
      const deleted = await this.oidc.cleanupExpired();
      if (deleted > 0) this.logger.log({ deleted }, 'deleted expired OIDC artifacts');
    } catch (err) {
      this.logger.error({ err }, 'OIDC artifact cleanup failed; it will be retried');
    }
  }
}
