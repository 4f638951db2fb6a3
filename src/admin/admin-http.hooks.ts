import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from './problem.filter.js';

const ADMIN_API = /^\/admin\/v\d+(\/|$|\?)/;
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Rules for an admin request's body, checked before Fastify parses it: no body is fine; a body
 * must be JSON (`application/json` or `application/*+json`), else 415 (form posts and text are
 * parsers other surfaces need, never admin input); a declared length over the limit is 413.
 */
export function bodyProblem(headers: Record<string, string | string[] | undefined>, limit: number): Problem | undefined {
  const length = Number(headers['content-length'] ?? 0);
  const hasBody = length > 0 || headers['transfer-encoding'] !== undefined;
  if (!hasBody) return undefined;
  const type = String(headers['content-type'] ?? '');
  if (!JSON_TYPE.test(type)) {
    return { type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'the admin API takes application/json bodies only' };
  }
  if (length > limit) {
    return { type: 'about:blank', title: 'Content Too Large', status: 413, detail: `the body exceeds ${limit} bytes` };
  }
  return undefined;
}

/**
 * Errors Fastify raises before a route's filter can see them (malformed JSON, a chunked body over
 * the limit, an unknown admin path) arrive as `{ statusCode, message }`; on the admin API they
 * become problem+json like every other error.
 */
export function asProblem(status: number, payload: unknown): Problem | undefined {
  if (status < 400 || typeof payload !== 'string') return undefined;
  let body: { statusCode?: unknown; message?: unknown; type?: unknown };
  try {
    body = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || body.type !== undefined || body.statusCode !== status) return undefined;
  const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? '');
  const problem: Problem = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail: message };
  if (status === 400 && /JSON/i.test(message)) problem.errors = [{ field: 'body', message: 'is not valid JSON' }];
  return problem;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
};

/** Installs the two checks above on the Fastify instance, for /admin/v<n> paths only. */
@Injectable()
export class AdminHttpHooks implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP server in the CLI's application context.
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addHook) return;
    const limit = fastify.initialConfig.bodyLimit ?? 1024 * 1024;
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!ADMIN_API.test(request.url)) return;
      const problem = bodyProblem(request.headers, limit);
      if (!problem) return;
      // The body is not read: close the connection rather than drain a large or unwanted upload.
      reply.header('Connection', 'close');
      return send(reply, request, problem);
    });
    fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (!ADMIN_API.test(request.url)) return payload;
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('application/json')) return payload;
      const problem = asProblem(reply.statusCode, payload);
      if (!problem) return payload;
      reply.type('application/problem+json; charset=utf-8').header('Cache-Control', 'no-store');
      return JSON.stringify({ ...problem, instance: request.url.split('?')[0] });
    });
  }
}

function send(reply: FastifyReply, request: FastifyRequest, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .header('Cache-Control', 'no-store')
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify({ ...problem, instance: request.url.split('?')[0] }));
}
