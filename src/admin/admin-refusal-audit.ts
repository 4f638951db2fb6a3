import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EventBus } from '../events/index.js';
import { adminEventContext } from './admin-actor.js';
import type { AdminRequest } from './admin-auth.guard.js';

const ADMIN_API = /^\/admin\/v\d+(\/|$|\?)/;

/**
 * Every refusal of an authenticated administrator is a security decision, so it is audited:
 * a 403 answered on the admin API to a caller whose token was accepted (a missing role, a
 * protected person or client only super-admin may touch, a built-in client) is recorded as
 * `admin.forbidden` with the actor, the route and the reason given, before the answer leaves.
 * (A request refused before authentication by ADMIN_IP_ALLOWLIST is `admin.ip_refused`.)
 */
@Injectable()
export class AdminRefusalAudit implements OnModuleInit {
  private readonly logger = new Logger(AdminRefusalAudit.name);

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addHook) return;
    fastify.addHook('onSend', async (request: AdminRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode !== 403 || !request.admin || !ADMIN_API.test(request.url)) return payload;
      const { actor, correlationId } = adminEventContext(request);
      try {
        await this.bus.publish(
          'admin.forbidden',
          { method: request.method, path: request.url.split('?')[0]!, roles: [...request.admin.roles], reason: reasonOf(payload) },
          { actor, correlationId, origin: { ip: request.ip, userAgent: request.headers['user-agent'] } },
        );
      } catch (err) {
        // The refusal stands even if recording it failed; the failure itself is logged.
        this.logger.error({ err, reqId: request.id }, 'could not record a refused admin request');
      }
      return payload;
    });
  }
}

/** The problem's detail (what the caller was told), bounded. */
function reasonOf(payload: unknown): string {
  if (typeof payload !== 'string') return 'forbidden';
  try {
    const detail = (JSON.parse(payload) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? detail.slice(0, 300) : 'forbidden';
  } catch {
    return 'forbidden';
  }
}
