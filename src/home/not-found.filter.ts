import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notFoundPage, type Brand } from '../ui/index.js';

/**
 * Unknown paths (#20): a browser (Accept: text/html) gets the branded 404 page with a reference
 * code; any other client gets application/problem+json (RFC 9457). Only the framework's own
 * "no such route" is answered here (true); a 404 a route decided passes on untouched (false).
 * Called by the application's one global exception filter (app.factory.ts), so no other
 * catch-all filter can shadow it.
 */
export function answerUnknownRoute(exception: unknown, host: ArgumentsHost, brand: Brand): boolean {
  if (host.getType() !== 'http' || !(exception instanceof NotFoundException)) return false;
  const http = host.switchToHttp();
  const request = http.getRequest<FastifyRequest>();
  const reply = http.getResponse<FastifyReply>();
  if (!request?.method || exception.message !== `Cannot ${request.method} ${request.url}` || reply.sent) return false;
  const accept = String(request.headers.accept ?? '');
  if (/\btext\/html\b/.test(accept)) {
    void reply.code(404).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(notFoundPage(brand, String(request.id)).toString());
    return true;
  }
  void reply
    .code(404)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'There is no resource at this path.', instance: String(request.id) });
  return true;
}
