import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/connection-errors.js';

/**
 * A job that calls one service method every `everyMs` on every instance. The method decides
 * from persisted state and takes any cluster lock it needs; a failure is logged and the next
 * tick retries, so a job never crashes the process or stops itself. Timers never hold the
 * process open at shutdown.
 */
export abstract class IntervalJob implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  /** What the job does, for the log line when it fails. */
  protected abstract readonly description: string;
  protected abstract everyMs(): number;
  protected abstract work(): Promise<void>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.everyMs());
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.work();
    } catch (err) {
      // A database outage is not a bug of the job: one warning line without a stack; the next tick retries.
      if (isDatabaseUnavailable(err)) this.logger.warn({ reason: (err as Error).message }, `${this.description} skipped: the database is unavailable; it will be retried`);
      else this.logger.error({ err }, `${this.description} failed; it will be retried`);
    }
  }
}
