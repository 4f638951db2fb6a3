import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runInRequestScope, type RequestScope } from './request-scope.js';

const SCOPE = Symbol('caduceus.requestScope');
type ScopedRequest = FastifyRequest & { [SCOPE]?: RequestScope };

/**
 * Opens a request scope for every HTTP request: its id (the one in the logs and X-Request-Id),
 * the client IP (Fastify's, which honours TRUST_PROXY) and the user agent. Events published
 * while the request is handled carry them. The scope is entered again before validation
 * because body parsing resumes from stream callbacks, outside the context opened at onRequest.
 */
export function installRequestScope(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: ScopedRequest, _reply, done) => {
    const userAgent = request.headers['user-agent'];
    const scope: RequestScope = {
      requestId: request.id,
      origin: { ip: request.ip, ...(typeof userAgent === 'string' && userAgent ? { userAgent } : {}) },
    };
    request[SCOPE] = scope;
    runInRequestScope(scope, done);
  });
  fastify.addHook('preValidation', (request: ScopedRequest, _reply, done) => {
    const scope = request[SCOPE];
    if (scope) runInRequestScope(scope, done);
    else done();
  });
}
