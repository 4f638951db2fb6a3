import { Injectable } from '@nestjs/common';
import { IntervalJob } from '../common/interval-job.js';
import { WebhooksService } from './webhooks.service.js';

/** Polls for due webhook deliveries (the service takes the advisory lock and decides from stored rows). */
@Injectable()
export class WebhookDeliveryJob extends IntervalJob {
  protected readonly description = 'webhook delivery';

  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  protected everyMs(): number {
    return 1_000;
  }

  protected async work(): Promise<void> {
    await this.webhooks.deliverDue();
  }
}
