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

/** Runs one tick of a job: a failure is logged and the next tick retries, so a job never crashes the process or stops itself. */
export async function runJobTick(logger: Logger, description: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    // A database outage is not a bug of the job: one warning line without a stack; the next tick retries.
    if (isDatabaseUnavailable(err)) logger.warn({ reason: (err as Error).message }, `${description} skipped: the database is unavailable; it will be retried`);
    else logger.error({ err }, `${description} failed; it will be retried`);
  }
}
