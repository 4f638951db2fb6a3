import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, AdminErrorCode, assertNever } from '../admin/index.js';
import { IdentityError, IdentityErrorCode } from '../identity/index.js';
import { ScimError, scimErrorBody, type ScimType } from './scim.errors.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/**
 * The SCIM surface: every error is an RFC 7644 §3.12 error (application/scim+json, the Error
 * schema, status as a string, a scimType where one applies), with no stack and no internals.
 */
@Catch()
export class ScimErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Scim');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, detail, scimType } = this.describe(exception, String(request.id));
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer realm="caduceus-scim"');
    reply.status(status).header('Cache-Control', 'no-store').type(SCIM_CONTENT_TYPE).send(scimErrorBody(status, detail, scimType));
  }

  private describe(exception: unknown, requestId: string): { status: number; detail: string; scimType?: ScimType } {
    if (exception instanceof ScimError) return { status: exception.status, detail: exception.message, scimType: exception.scimType };
    if (exception instanceof AdminError) return fromAdminError(exception);
    if (exception instanceof IdentityError) return fromIdentityError(exception);
    const fastify = exception as { code?: unknown; statusCode?: unknown; message?: unknown };
    if (typeof fastify?.code === 'string' && fastify.code.startsWith('FST_ERR_') && typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
      return { status: fastify.statusCode, detail: String(fastify.message), scimType: fastify.statusCode === 400 ? 'invalidSyntax' : undefined };
    }
    if (exception instanceof HttpException) return { status: exception.getStatus(), detail: exception.message };
    this.logger.error({ err: exception, reqId: requestId }, 'unexpected error in the SCIM service provider');
    return { status: 500, detail: `request ${requestId} failed` };
  }
}

function fromAdminError(err: AdminError): { status: number; detail: string } {
  switch (err.code) {
    case AdminErrorCode.UNAUTHENTICATED:
      return { status: 401, detail: err.message };
    case AdminErrorCode.MFA_REQUIRED:
    case AdminErrorCode.FORBIDDEN:
    case AdminErrorCode.IP_NOT_ALLOWED:
      return { status: 403, detail: err.message };
    default:
      return assertNever(err.code);
  }
}

function fromIdentityError(err: IdentityError): { status: number; detail: string; scimType?: ScimType } {
  switch (err.code) {
    case IdentityErrorCode.INVALID_USER:
    case IdentityErrorCode.INVALID_GROUP:
    case IdentityErrorCode.WEAK_PASSWORD:
      return { status: 400, detail: err.message, scimType: 'invalidValue' };
    case IdentityErrorCode.EMAIL_TAKEN:
    case IdentityErrorCode.EXTERNAL_ID_TAKEN:
    case IdentityErrorCode.GROUP_NAME_TAKEN:
      return { status: 409, detail: err.message, scimType: 'uniqueness' };
    case IdentityErrorCode.USER_NOT_FOUND:
    case IdentityErrorCode.GROUP_NOT_FOUND:
      return { status: 404, detail: err.message.replace('no such', 'no such resource:') };
    case IdentityErrorCode.VERSION_MISMATCH:
      return { status: 412, detail: `${err.message}: GET it again and send its new ETag in If-Match` };
    default:
      return assertNever(err.code);
  }
}
