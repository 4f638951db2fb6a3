import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiIfMatch,
  ApiProblems,
  assertNever,
  etagOf,
  optionalIfMatch,
  problemMapping,
  requireIfMatch,
  withETag,
  type AdminRequest,
  type Problem,
} from '../admin/index.js';
import { WebhooksError, WebhooksErrorCode } from './webhooks.errors.js';
import { WEBHOOK_EVENT_TYPES, WebhooksService } from './webhooks.service.js';

const idParam = z.uuid('is not a subscription id');
const subscribeSchema = z.object({
  url: z.string().max(2000),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'must name at least one event type'),
  description: z.string().trim().max(200).optional(),
});
const updateSchema = z
  .strictObject({
    url: z.string().max(2000),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'must name at least one event type'),
    enabled: z.boolean(),
    /** null (or blank) removes it. */
    description: z.string().trim().max(200).nullable().transform((d) => d || null),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'must change at least one of url, eventTypes, enabled, description');
const subscriptionResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
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
    reply.code(201).header('Location', `/admin/v1/webhooks/${subscription.id}`).header('ETag', etagOf(subscription.version));
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
  @ApiOperation({ summary: 'One webhook subscription; its ETag is what an update sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the subscription (never its signing secret)', standardSchema: subscriptionResponse })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: idParam }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.webhooks.get(id), (s) => s);
  }

  @Patch(':id')
  @AdminRoute('super-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Change the URL (same rule as a new subscription), the events, enabled or the description; never the secret' })
  @ApiResponse({ status: 200, description: 'the updated subscription (never its signing secret)', standardSchema: subscriptionResponse })
  @ApiProblems(400, 404, 412, 428)
  async update(
    @Param('id', { schema: idParam }) id: string,
    @Body({ schema: updateSchema }) patch: z.output<typeof updateSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedVersions = requireIfMatch(ifMatch);
    const { actor, correlationId } = adminEventContext(req);
    return withETag(reply, await this.webhooks.update(id, patch, expectedVersions, actor, correlationId), (s) => s);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @AdminRoute('super-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Replace the signing secret; the new one is in this response and never again, the old one stops signing at once' })
  @ApiResponse({ status: 200, description: 'the subscription and its new secret', standardSchema: subscriptionResponse.extend({ secret: z.string() }) })
  @ApiProblems(400, 404, 412)
  async rotateSecret(
    @Param('id', { schema: idParam }) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { actor, correlationId } = adminEventContext(req);
    const { subscription, secret } = await this.webhooks.rotateSecret(id, optionalIfMatch(ifMatch), actor, correlationId);
    return withETag(reply, subscription, (s) => ({ ...s, secret }));
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
    case WebhooksErrorCode.VERSION_MISMATCH:
      return {
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: 'the webhook subscription changed since you read it: GET it again, reapply your change and send the new ETag',
      };
  }
  return assertNever(err.code);
});
