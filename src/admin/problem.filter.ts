import { Catch, HttpException, Inject, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, AdminErrorCode } from './admin.errors.js';
import { DPOP_ALGS } from './sender-constraint.js';
import { isDatabaseUnavailable } from '../database/index.js';

/** Seconds a caller should wait before retrying when the database is unavailable. */
const OUTAGE_RETRY_AFTER_SECONDS = 5;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
  [extension: string]: unknown;
}

/** Thrown by admin controllers for input and state errors; carries an RFC 9457 body. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/**
 * How a module's own error class becomes a problem on the admin surface. Each module declares
 * its mapping next to its admin controller (an exhaustive switch over its error codes), so
 * services stay free of HTTP and the admin surface stays one filter; the composition root
 * hands the filter every mapping under PROBLEM_MAPPINGS (src/app/admin-ports.module.ts).
 */
export type ProblemMapper<E extends Error> = (err: E) => Problem;
export interface ProblemMapping {
  readonly type: abstract new (...args: never[]) => Error;
  readonly map: ProblemMapper<Error>;
}
/** Injection token: the ProblemMapping of every module with admin routes. */
export const PROBLEM_MAPPINGS = Symbol('PROBLEM_MAPPINGS');

export function problemMapping<E extends Error>(type: abstract new (...args: never[]) => E, map: ProblemMapper<E>): ProblemMapping {
  return { type, map: map as ProblemMapper<Error> };
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}

function fromAdminError(err: AdminError): Problem {
  switch (err.code) {
    case AdminErrorCode.UNAUTHENTICATED:
      return { type: 'about:blank', title: 'Unauthorized', status: 401, detail: err.message };
    case AdminErrorCode.MFA_REQUIRED:
    case AdminErrorCode.FORBIDDEN:
    case AdminErrorCode.IP_NOT_ALLOWED:
      return { type: 'about:blank', title: 'Forbidden', status: 403, detail: err.message };
    default:
      return assertNever(err.code);
  }
}

/**
 * The admin API surface: every error becomes application/problem+json (RFC 9457), with no
 * stack and no internals; unexpected errors are logged and answered with a bare 500.
 */
@Catch()
@Injectable()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  constructor(@Inject(PROBLEM_MAPPINGS) private readonly mappings: readonly ProblemMapping[]) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let problem: Problem;
    if (isDatabaseUnavailable(exception)) {
      // An outage, not a bug: the caller retries (RFC 9110 Retry-After); nothing was changed.
      // The request log has the 503 as its one warning line (logging/logging.ts); the reason only at debug.
      this.logger.debug({ reqId: request.id, reason: (exception as Error).message }, 'admin request failed: the database is unavailable');
      reply.header('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
      problem = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the service cannot reach its database; try again shortly' };
    } else if (exception instanceof ProblemError) problem = exception.problem;
    else if (exception instanceof AdminError) problem = fromAdminError(exception);
    else if (this.mapperFor(exception)) problem = this.mapperFor(exception)!(exception as Error);
    else if (fastifyStatus(exception)) {
      // Body parsing failed before the handler (malformed JSON, unsupported type, too large).
      const status = fastifyStatus(exception)!;
      problem = { type: 'about:blank', title: httpTitle(status), status, detail: (exception as Error).message };
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      problem = { type: 'about:blank', title: httpTitle(status), status, detail: exception.message };
    } else {
      this.logger.error({ err: exception, reqId: request.id }, 'unexpected error in the admin API');
      problem = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `request ${request.id} failed` };
    }
    if (problem.status === 401) reply.header('WWW-Authenticate', challengeOf(exception, request, problem.detail));
    reply
      .status(problem.status)
      .header('Cache-Control', 'no-store')
      .type('application/problem+json')
      .send({ ...problem, instance: request.url.split('?')[0] });
  }

  private mapperFor(exception: unknown): ProblemMapper<Error> | undefined {
    return this.mappings.find((m) => exception instanceof m.type)?.map;
  }
}

/**
 * The WWW-Authenticate of a 401: without a token, both schemes the admin API accepts (RFC 6750
 * §3.1, RFC 9449 §7.1, no error); a refused DPoP presentation (a DPoP-bound token, or the DPoP
 * scheme) a DPoP challenge with its error (invalid_token or invalid_dpop_proof) and the proof
 * algorithms; any other refused token a Bearer challenge with invalid_token.
 */
function challengeOf(exception: unknown, request: FastifyRequest, detail: string | undefined): string {
  const realm = 'realm="caduceus-admin"';
  const algs = `algs="${DPOP_ALGS.join(' ')}"`;
  const description = `error_description="${(detail ?? '').replace(/["\\\r\n]/g, '')}"`;
  const scheme = /^\s*(Bearer|DPoP)\s/i.exec(String(request.headers.authorization ?? ''))?.[1]?.toLowerCase();
  const dpopError = exception instanceof AdminError ? exception.dpopError : undefined;
  if (dpopError || scheme === 'dpop') return `DPoP ${realm}, error="${dpopError ?? 'invalid_token'}", ${description}, ${algs}`;
  if (scheme === 'bearer') return `Bearer ${realm}, error="invalid_token", ${description}`;
  return `Bearer ${realm}, DPoP ${realm}, ${algs}`;
}

/** Fastify's own client errors carry a `FST_ERR_` code and a 4xx statusCode. */
function fastifyStatus(exception: unknown): number | undefined {
  const err = exception as { code?: unknown; statusCode?: unknown };
  if (typeof err?.code !== 'string' || !err.code.startsWith('FST_ERR_')) return undefined;
  return typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
}

function httpTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Content Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    428: 'Precondition Required',
    429: 'Too Many Requests',
  };
  return titles[status] ?? 'Error';
}
