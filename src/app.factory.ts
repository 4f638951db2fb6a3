import 'reflect-metadata';
import helmet from 'helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { weakenedDefaults, type AppConfig } from './config/index.js';
import { Logger as NestLogger } from '@nestjs/common';
import { DatabaseOutageFilter, openDatabase, runMigrations } from './database/index.js';
import { entities } from './app/entities.js';
import { mountOidc, OidcService, outagePage } from './oidc/index.js';
import { quietStartupLogger, requestId } from './logging/logging.js';
import { answerUnknownRoute } from './home/not-found.filter.js';
import { setupOpenApi } from './admin/openapi.js';
import { fastifyTrustProxy } from './hardening/trust-proxy.js';
import { refuseEnvironmentProxy } from './outbound/index.js';

export interface CreateAppOptions {
  /** Tests pass false to keep their output readable; the service always logs. */
  logger?: boolean;
}

/**
 * Builds the whole service: opens and migrates the database first (so a bad DATABASE_URL
 * fails before anything listens), then the Nest application on Fastify with the OpenID
 * Provider mounted on its paths. The caller listens.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // Outbound calls must connect directly (not through NODE_USE_ENV_PROXY's proxy) to be checked: one clear line, before anything opens.
  refuseEnvironmentProxy();
  const db = await openDatabase(config, entities);
  try {
    await runMigrations(db);
    const adapter = new FastifyAdapter({
      trustProxy: fastifyTrustProxy(config.trustedProxies),
      bodyLimit: 64 * 1024,
      forceCloseConnections: 'idle',
      return503OnClosing: true,
      requestIdHeader: false,
      genReqId: requestId,
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, db), adapter, {
      bufferLogs: true,
      abortOnError: false,
      logger: options.logger === false ? false : undefined,
    });
    if (options.logger !== false) app.useLogger(quietStartupLogger(app.get(Logger)));
    const startup = new NestLogger('Caduceus');
    for (const warning of weakenedDefaults(config)) startup.warn(`security default weakened: ${warning}`);
    // Built once: @fastify/helmet builds a helmet instance (and re-parses the CSP) on every request.
    const securityHeaders = helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*'],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          // On plain http (local development only) upgrading would break every form post.
          upgradeInsecureRequests: config.issuer.startsWith('https://') ? [] : null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      hsts: config.issuer.startsWith('https://') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, reply, done) => {
        reply.raw.setHeader('X-Request-Id', request.id);
        securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined));
      });
    // Pages and other routes without a filter of their own: a database outage is a 503, not a 500.
    app.useGlobalFilters(
      new DatabaseOutageFilter(app.getHttpAdapter(), () => outagePage(config.brand), (exception, host) => answerUnknownRoute(exception, host, config.brand)),
    );
    setupOpenApi(app, config);
    const oidc = app.get(OidcService);
    mountOidc(app.getHttpAdapter().getInstance(), () => oidc.callback);
    await app.init();
    return app;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
