import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WebhooksService } from './webhooks.service.js';

const EVERY_MS = 1_000;

/** Polls for due webhook deliveries (the service takes the advisory lock and decides from stored rows). */
@Injectable()
export class WebhookDeliveryJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryJob.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly webhooks: WebhooksService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.webhooks.deliverDue();
    } catch (err) {
      this.logger.error({ err }, 'webhook delivery failed; it will be retried');
    }
  }
}
