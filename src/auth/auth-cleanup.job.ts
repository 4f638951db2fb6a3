import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuthRepository } from './auth.repository.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';

const EVERY_MS = 10 * 60 * 1000;

/** Deletes sign-in progress rows and throttle counters that can no longer matter. Idempotent. */
@Injectable()
export class AuthCleanupJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuthCleanupJob.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly progress: SignInProgressRepository,
    private readonly throttle: AuthRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.progress.deleteExpired();
      await this.throttle.deleteStale();
    } catch (err) {
      this.logger.error({ err }, 'sign-in state cleanup failed; it will be retried');
    }
  }
}
