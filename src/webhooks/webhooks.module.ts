/**
 * webhooks/ owns security-event webhooks: subscriptions (/admin/v1/webhooks), the delivery
 * outbox and its retrying delivery job. It exports WebhooksService and emits webhook.* events.
 * It sends only through the outbound HTTP policy (outbound/OutboundHttp: never a private address
 * unless an administrator allowed it, never a redirect followed), and never logs or returns a
 * subscription's secret after creation.
 */
import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/index.js';
import { OutboundModule } from '../outbound/index.js';
import { WebhookDeliveryJob } from './webhook-delivery.job.js';
import { WebhooksAdminController } from './webhooks.admin.controller.js';
import { WebhooksListener } from './webhooks.listener.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [KeysModule, OutboundModule],
  controllers: [WebhooksAdminController],
  providers: [WebhooksRepository, WebhooksService, WebhooksListener, WebhookDeliveryJob],
  exports: [WebhooksService],
})
export class WebhooksModule {}
