import { isDatabaseUnavailable } from '../database/connection-errors.js';
import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Every background job is a named interval in @nestjs/schedule's SchedulerRegistry, added when
 * the application has booted (so its period can come from configuration). A job calls one
 * service method on every instance; the method decides from persisted state and takes any
 * cluster lock it needs (AdvisoryLockService). The timer never holds the process open, and
 * @nestjs/schedule clears every registered interval before the application shuts down;
 * unscheduleJob also removes it when only the job's module is closed.
 */
export function scheduleJob(scheduler: SchedulerRegistry, name: string, everyMs: number, tick: () => Promise<unknown>): void {
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  scheduler.addInterval(name, timer);
}

export function unscheduleJob(scheduler: SchedulerRegistry, name: string): void {
  if (scheduler.doesExist('interval', name)) scheduler.deleteInterval(name);
}

/**
 * One job's ticks. Rules: a failure is logged and the next tick retries, so a job never crashes
 * the process or stops itself. A database outage is not a bug of the job: its first failed tick
 * logs one warning line (the reason, no stack), the ticks after it during the same outage log
 * nothing, and the first tick that succeeds again logs one info line with how long it lasted.
 * Any other error is logged with its stack on every tick (it will not cure itself).
 */
export class JobTicks {
  private outageSince?: number;

  constructor(
    private readonly logger: Logger,
    private readonly description: string,
  ) {}

  /** Runs one tick; `fallback` is the answer of a failed tick. */
  async run<T>(work: () => Promise<T>, fallback: T): Promise<T>;
  async run(work: () => Promise<void>): Promise<void>;
  async run<T>(work: () => Promise<T>, fallback?: T): Promise<T | undefined> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) {
        this.logger.error({ err }, `${this.description} failed; it will be retried`);
      } else if (this.outageSince === undefined) {
        this.outageSince = Date.now();
        this.logger.warn({ reason: (err as Error).message }, `${this.description} skipped: the database is unavailable; retrying on each tick, logged again when it works`);
      }
      return fallback;
    }
    if (this.outageSince !== undefined) {
      const seconds = Math.round((Date.now() - this.outageSince) / 1000);
      this.outageSince = undefined;
      this.logger.log({ outageSeconds: seconds }, `${this.description} works again: the database answered after about ${seconds} s`);
    }
    return result;
  }
}
