import { Injectable, Logger, RequestMethod, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { FastifyReply } from 'fastify';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import type { AdminRequest } from './admin-auth.guard.js';
import { IdempotencyService, requestFingerprint, type StoredResponse } from './idempotency.service.js';
import { ProblemError } from './problem.filter.js';
import { badRequest } from './validation.pipe.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Headers of the first response that a replay repeats (the body is repeated whole). */
const REPLAYED_HEADERS = ['location', 'etag'];

/**
 * Honours `Idempotency-Key` on the route it decorates (see @Idempotent). Runs after the admin
 * guard, so the key is scoped to the authenticated principal: one caller can never replay
 * another's response. Without the header the request runs as usual.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(private readonly idempotency: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header.join(',') : header;
    if (!/^[\x21-\x7E]{1,255}$/.test(key)) {
      throw badRequest([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters (a UUID is a good choice)' }]);
    }
    // The guard ran first; without a principal the route is misconfigured, so fail closed.
    if (!request.admin) throw new Error('Idempotency-Key on a route without @AdminRoute');
    const principal = `${request.admin.kind}:${request.admin.id}`;
    const fingerprint = requestFingerprint(request.method, request.url, request.body);

    const decision = await this.idempotency.begin(principal, key, fingerprint);
    switch (decision.kind) {
      case 'mismatch':
        throw problem(422, 'Unprocessable Content', 'this Idempotency-Key was already used with a different request; use a new key');
      case 'in-flight':
        throw problem(409, 'Conflict', 'a request with this Idempotency-Key is still being processed; retry shortly');
      case 'replay':
        for (const [name, value] of Object.entries(decision.response.headers)) reply.header(name, value);
        reply.header('Idempotency-Replayed', 'true');
        return of(decision.response.body);
      case 'proceed':
        break;
    }

    const status = routeStatus(context, request.method);
    return next.handle().pipe(
      mergeMap((body) => from(this.store(principal, key, fingerprint, { status, headers: replayedHeaders(reply), body }))),
      catchError((err: unknown) =>
        from(
          this.idempotency.abandon(principal, key).catch((releaseErr: unknown) => {
            this.logger.error({ err: releaseErr }, 'could not release an idempotency key after a failed request');
          }),
        ).pipe(mergeMap(() => throwError(() => err))),
      ),
    );
  }

  private async store(principal: string, key: string, fingerprint: string, response: StoredResponse): Promise<unknown> {
    await this.idempotency.complete(principal, key, fingerprint, response);
    return response.body;
  }
}

function routeStatus(context: ExecutionContext, method: string): number {
  const explicit = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined;
  return explicit ?? (method === RequestMethod[RequestMethod.POST] ? 201 : 200);
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function problem(status: number, title: string, detail: string): ProblemError {
  return new ProblemError({ type: 'about:blank', title, status, detail });
}
