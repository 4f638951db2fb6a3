import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../ui/html.js';
import { isDatabaseUnavailable } from './connection-errors.js';

/** Retry-After, in seconds, on a 503 for a database outage (as on the OIDC endpoints and the admin API). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The global exception filter's outage rule, for every route without a filter of its own (the
 * admin API and SCIM have theirs): an error that means the database cannot answer is an outage,
 * not a bug: 503 with Retry-After and no-store, as a page for a browser (the sign-in, MFA and
 * consent steps, the account pages) and as `temporarily_unavailable` JSON otherwise. Nothing is
 * logged here: the request log has the 503, one warning line (logging/logging.ts). Any other
 * error is offered to `otherwise` (the application's answer to unknown routes), then goes to
 * Nest's default handling.
 */
@Catch()
export class DatabaseOutageFilter extends BaseExceptionFilter {
  constructor(
    applicationRef: ConstructorParameters<typeof BaseExceptionFilter>[0],
    private readonly page: () => SafeHtml,
    private readonly otherwise: (exception: unknown, host: ArgumentsHost) => boolean = () => false,
  ) {
    super(applicationRef);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isDatabaseUnavailable(exception)) {
      if (!this.otherwise(exception, host)) super.catch(exception, host);
      return;
    }
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    reply.status(503).header('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS)).header('Cache-Control', 'no-store');
    if (wantsPage(request)) reply.type('text/html; charset=utf-8').send(this.page().toString());
    else reply.type('application/json').send({ error: 'temporarily_unavailable', error_description: 'the service cannot reach its database; try again shortly' });
  }
}

/** A browser's request: it accepts HTML, or it is one of the server-rendered steps (form posts accept anything). */
export function wantsPage(request: { method: string; url: string; headers: Record<string, string | string[] | undefined> }): boolean {
  const accept = String(request.headers.accept ?? '');
  return /text\/html/.test(accept) || /^\/(interaction|account|federation)(\/|\?|$)/.test(request.url);
}
