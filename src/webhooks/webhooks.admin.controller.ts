import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminRoute, adminEventContext, assertNever, problemMapping, type AdminRequest, type Problem } from '../admin/index.js';
import { WebhooksError, WebhooksErrorCode } from './webhooks.errors.js';
import { WEBHOOK_EVENT_TYPES, WebhooksService } from './webhooks.service.js';

const idParam = z.uuid('is not a subscription id');
const subscribeSchema = z.object({
  url: z.string().max(2000),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'must name at least one event type'),
  description: z.string().trim().max(200).optional(),
});
const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/** /admin/v1/webhooks: security-event subscriptions (super-admin only) and their delivery log. */
@ApiTags('webhooks')
@Controller('admin/v1/webhooks')
export class WebhooksAdminController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'Subscribe an https endpoint to security events; the signing secret is in this response and never again' })
  async subscribe(@Body({ schema: subscribeSchema }) body: z.output<typeof subscribeSchema>, @Req() req: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { actor, correlationId } = adminEventContext(req);
    const { subscription, secret } = await this.webhooks.subscribe(body, actor, correlationId);
    reply.code(201).header('Location', `/admin/v1/webhooks/${subscription.id}`);
    return { ...subscription, secret };
  }

  @Get()
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'List webhook subscriptions' })
  async list() {
    return { items: await this.webhooks.list() };
  }

  @Get(':id')
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'One webhook subscription' })
  async get(@Param('id', { schema: idParam }) id: string) {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'Remove a subscription and its pending deliveries' })
  async remove(@Param('id', { schema: idParam }) id: string, @Req() req: AdminRequest) {
    const { actor, correlationId } = adminEventContext(req);
    await this.webhooks.unsubscribe(id, actor, correlationId);
  }

  @Get(':id/deliveries')
  @AdminRoute('super-admin')
  @ApiOperation({ summary: 'The delivery log of a subscription, newest first (attempts, last status and error)' })
  async deliveries(@Param('id', { schema: idParam }) id: string, @Query({ schema: deliveriesQuery }) q: z.output<typeof deliveriesQuery>) {
    const rows = await this.webhooks.deliveries(id, q.limit);
    return {
      items: rows.map((d) => ({
        id: d.id,
        eventName: d.eventName,
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
        nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
      })),
    };
  }
}

export const webhooksProblems = problemMapping(WebhooksError, (err: WebhooksError): Problem => {
  switch (err.code) {
    case WebhooksErrorCode.NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case WebhooksErrorCode.URL_REFUSED:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: err.message, errors: err.fields };
  }
  return assertNever(err.code);
});
