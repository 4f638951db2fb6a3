import type { FastifyInstance } from 'fastify';
import { OIDC_ROUTES } from './provider-config.js';

/**
 * Mounts oidc-provider on the OIDC paths only, in an encapsulated Fastify context whose
 * content-type parser leaves the body stream untouched: oidc-provider reads and bounds
 * request bodies itself. Everything else (pages, admin API, health) stays with Nest.
 */
export function mountOidc(fastify: FastifyInstance, getCallback: () => (req: any, res: any) => void): void {
  const paths = new Set<string>(['/.well-known/openid-configuration']);
  for (const route of Object.values(OIDC_ROUTES)) {
    paths.add(route);
    paths.add(`${route}/*`);
  }
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const url of paths) {
      scope.route({
        method: ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'],
        url,
        handler: (request, reply) => {
          reply.hijack();
          getCallback()(request.raw, reply.raw);
        },
      });
    }
  });
}
