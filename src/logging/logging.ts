import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/index.js';

/** Query parameters that carry credentials or tokens and must never reach a log line. */
const SENSITIVE_QUERY = /^(code|id_token_hint|token|access_token|refresh_token|client_secret|password|state|nonce|code_verifier|request|login_hint|assertion)$/i;

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'res.headers["set-cookie"]',
  '*.password',
  '*.client_secret',
  '*.clientSecret',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.code',
  '*.privateJwk',
  '*.keyEncryptionKey',
];

/** Paths whose last segment is a credential (the first-run setup link, #20). */
const SENSITIVE_PATH = /^(\/setup\/)[^/?]+/;

export function redactUrl(url: string | undefined): string | undefined {
  if (url && SENSITIVE_PATH.test(url)) url = url.replace(SENSITIVE_PATH, '$1[Redacted]');
  if (!url || !url.includes('?')) return url;
  const [path, query] = url.split('?', 2) as [string, string];
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) if (SENSITIVE_QUERY.test(key)) params.set(key, '[Redacted]');
  return `${path}?${params.toString()}`;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/**
 * Fastify's request id: the caller's X-Request-Id when it is a sane token, else 12 characters
 * (about 59 bits) a person can read out over the phone. It is the reference code on error pages,
 * the `req.id` of the log line and the audit record's correlationId, so one code finds all three (#20).
 */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
  return Array.from({ length: 12 }, () => REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]).join('');
}

/** pino-http settings: JSON (or pino-pretty on a terminal / LOG_FORMAT=pretty), request ids (propagated when sane), secrets redacted. */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string; headers?: Record<string, string> }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
          userAgent: req.headers?.['user-agent'],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => levelOf(res.statusCode, err),
      // A 503 is an outage the caller was told to retry (Retry-After): one warning line, no stack.
      customErrorObject: (_req: IncomingMessage, res: ServerResponse, _err: Error, value: Record<string, unknown>) =>
        res.statusCode === 503 ? { res: value.res, responseTime: value.responseTime } : value,
      customErrorMessage: (_req: IncomingMessage, res: ServerResponse) =>
        res.statusCode === 503 ? 'request answered 503: temporarily unavailable, the caller was told to retry' : 'request errored',
      ...(config.log.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
    },
    // Every path, the mounted OpenID Provider's included (the default misses them on Fastify).
    forRoutes: ['{*splat}'],
  };
}

/**
 * The request line's level. Rules: a 503 (database outage, shutting down) is `warn`, with or
 * without an error behind it: the service did what it should and the caller retries; any other
 * 5xx or an error is `error`; other 4xx `warn`; the rest `info`.
 */
export function levelOf(statusCode: number, err?: Error): 'info' | 'warn' | 'error' {
  if (statusCode === 503) return 'warn';
  if (err || statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'warn' : 'info';
}

/** Framework start-up chatter (one line per module and per route: over a hundred) that belongs at debug. */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * The application's Nest logger: the pino logger, with the framework's per-module and per-route
 * start-up lines moved to debug, so a start shows what an operator needs (#20).
 */
export function quietStartupLogger(inner: LoggerService): LoggerService {
  const isStartup = (rest: unknown[]) => typeof rest.at(-1) === 'string' && START_UP_CONTEXTS.has(rest.at(-1) as string);
  return {
    log: (message: unknown, ...rest: unknown[]) => (isStartup(rest) ? inner.debug?.(message, ...rest) : inner.log(message, ...rest)),
    error: (message: unknown, ...rest: unknown[]) => inner.error(message, ...rest),
    warn: (message: unknown, ...rest: unknown[]) => inner.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => inner.debug?.(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => inner.verbose?.(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => (inner.fatal ? inner.fatal(message, ...rest) : inner.error(message, ...rest)),
  };
}
