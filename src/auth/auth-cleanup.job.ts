import { Injectable } from '@nestjs/common';
import { IntervalJob } from '../common/interval-job.js';
import { AuthRepository } from './auth.repository.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';

/** Deletes sign-in progress rows and throttle counters that can no longer matter. Idempotent. */
@Injectable()
export class AuthCleanupJob extends IntervalJob {
  protected readonly description = 'sign-in state cleanup';

  constructor(
    private readonly progress: SignInProgressRepository,
    private readonly throttle: AuthRepository,
  ) {
    super();
  }

  protected everyMs(): number {
    return 10 * 60 * 1000;
  }

  protected async work(): Promise<void> {
    await this.progress.deleteExpired();
    await this.throttle.deleteStale();
  }
}
