import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** Fastify parses application/scim+json (RFC 7644 §3.1) exactly as it parses application/json. */
@Injectable()
export class ScimHttpHooks implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser || fastify.hasContentTypeParser('application/scim+json')) return;
    const json = fastify.getDefaultJsonParser('error', 'error');
    // A DELETE or GET that names the type but sends no body (as some directories do) has no body, not a broken one.
    fastify.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (request, body, done) =>
      body === '' ? done(null, undefined) : json(request, body as string, done),
    );
  }
}
