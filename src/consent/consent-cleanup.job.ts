import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ConsentService } from './consent.service.js';

const JOB = 'consent-link-cleanup';

/** Calls ConsentService.cleanupExpiredLinks on the protocol cleanup interval; deleting is idempotent on every instance. */
@Injectable()
export class ConsentCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsentCleanupJob.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consent: ConsentService,
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
      const deleted = await this.consent.cleanupExpiredLinks();
      if (deleted > 0) this.logger.log({ deleted }, 'forgot ended provider grants of consents');
    } catch (err) {
      this.logger.error({ err }, 'consent link cleanup failed; it will be retried');
    }
  }
}
