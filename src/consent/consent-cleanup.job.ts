import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob } from '../common/interval-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ConsentService } from './consent.service.js';

/** Calls ConsentService.cleanupExpiredLinks on the protocol cleanup interval; deleting is idempotent on every instance. */
@Injectable()
export class ConsentCleanupJob extends IntervalJob {
  protected readonly description = 'consent link cleanup';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly consent: ConsentService,
  ) {
    super();
  }

  protected everyMs(): number {
    return this.config.oidcCleanupIntervalSeconds * 1000;
  }

  protected async work(): Promise<void> {
    const deleted = await this.consent.cleanupExpiredLinks();
    if (deleted > 0) this.logger.log({ deleted }, 'forgot ended provider grants of consents');
  }
}
