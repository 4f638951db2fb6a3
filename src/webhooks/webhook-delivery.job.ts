import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { WebhooksService } from './webhooks.service.js';

const JOB = 'webhook-delivery';
const INTERVAL_MS = 1_000;

/** Polls for due webhook deliveries (the service takes the advisory lock and decides from stored rows). */
@Injectable()
export class WebhookDeliveryJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryJob.name);
  private readonly ticks = new JobTicks(this.logger, 'webhook delivery');

  constructor(
    private readonly webhooks: WebhooksService,
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
      await this.webhooks.deliverDue();
    });
  }
}
