import { Catch, Inject, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { notFoundPage } from '../ui/index.js';

/**
 * Unknown paths (#20): a browser (Accept: text/html) gets the branded 404 page with a reference
 * code; any other client gets application/problem+json (RFC 9457). Only the framework's own
 * "no such route" is answered here; a 404 a route decided passes on untouched.
 */
@Catch(NotFoundException)
export class NotFoundFilter extends BaseExceptionFilter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  override catch(exception: NotFoundException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (host.getType() !== 'http' || !request?.method || exception.message !== `Cannot ${request.method} ${request.url}`) {
      return super.catch(exception, host);
    }
    const accept = String(request.headers.accept ?? '');
    if (/\btext\/html\b/.test(accept)) {
      void reply.code(404).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(notFoundPage(this.config.brand, String(request.id)));
      return;
    }
    void reply
      .code(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'There is no resource at this path.', instance: String(request.id) });
  }
}
