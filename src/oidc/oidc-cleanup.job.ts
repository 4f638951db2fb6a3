import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob } from '../common/interval-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { OidcService } from './oidc.service.js';

/** Calls OidcService.cleanupExpired on an interval; the service decides and locks. */
@Injectable()
export class OidcCleanupJob extends IntervalJob {
  protected readonly description = 'OIDC artifact cleanup';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
  ) {
    super();
  }

  protected everyMs(): number {
    return this.config.oidcCleanupIntervalSeconds * 1000;
  }

  protected async work(): Promise<void> {
    const deleted = await this.oidc.cleanupExpired();
    if (deleted > 0) this.logger.log({ deleted }, 'deleted expired OIDC artifacts');
  }
}
