import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { BreakGlassService } from './breakglass.service.js';

const JOB = 'breakglass-end';
const INTERVAL_MS = 30_000;

/** Records the end of emergency sessions that ran out (the service claims each row once). */
@Injectable()
export class BreakGlassEndJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BreakGlassEndJob.name);
  private readonly ticks = new JobTicks(this.logger, 'ending expired emergency sessions');

  constructor(
    private readonly breakGlass: BreakGlassService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, INTERVAL_MS, () => this.run());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  run(): Promise<void> {
    return this.ticks.run(async () => {
      await this.breakGlass.endExpired();
    });
  }
}
