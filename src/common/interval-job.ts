import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

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
      this.logger.error({ err }, `${this.description} failed; it will be retried`);
    }
  }
}
