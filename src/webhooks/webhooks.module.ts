/**
 * webhooks/ owns security-event webhooks: subscriptions (/admin/v1/webhooks), the delivery
 * outbox and its retrying delivery job. It exports WebhooksService and emits webhook.* events.
 * It never sends to a private address (unless loopback is allowed for tests), never follows a
 * redirect, and never logs or returns a subscription's secret after creation.
 */
import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/index.js';
import { WebhookDeliveryJob } from './webhook-delivery.job.js';
import { WebhooksAdminController } from './webhooks.admin.controller.js';
import { WebhooksListener } from './webhooks.listener.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [KeysModule],
  controllers: [WebhooksAdminController],
  providers: [WebhooksRepository, WebhooksService, WebhooksListener, WebhookDeliveryJob],
  exports: [WebhooksService],
})
export class WebhooksModule {}
