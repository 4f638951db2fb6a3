import { Controller, Get, Header, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AdminConsoleClient, type ConsoleSettings } from './console-client.js';
import { loadConsoleBuild } from './console-files.js';

/**
 * /admin/console: the admin console's static files, open to anyone (gate: public, like the
 * sign-in pages' assets). Nothing here reads or changes data: the page signs the administrator
 * in through this service and calls only the public /admin/v1 API with their token, which
 * enforces every role. ADMIN_IP_ALLOWLIST covers these paths like the rest of /admin.
 */
@ApiExcludeController()
@Controller('admin/console')
export class AdminConsoleController {
  private readonly build = loadConsoleBuild();

  constructor(
    private readonly client: AdminConsoleClient,
    private readonly host: HttpAdapterHost,
  ) {}

  /** The page itself (also the redirect URI: it reads ?code= and finishes the sign-in). */
  @Get()
  @Header('Cache-Control', 'no-cache')
  index(@Res() reply: FastifyReply): void {
    if (!this.build.index) throw new ServiceUnavailableException('the admin console is not built: run npm run build');
    void reply.type('text/html; charset=utf-8').send(this.build.index);
  }

  @Get('config.json')
  @Header('Cache-Control', 'no-store')
  async settings(): Promise<ConsoleSettings> {
    await this.client.ensureRegistered();
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    // Dual control (approvals) arrives in a later version; the console shows it once the route exists.
    return this.client.settings({ approvals: fastify.hasRoute({ method: 'GET', url: '/admin/v1/approvals' }) });
  }

  /** Hashed file names (Vite): cached for a year, never changed in place. */
  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    const found = this.build.assets.get(file);
    if (!found) throw new NotFoundException();
    void reply.type(found.type).header('Cache-Control', 'public, max-age=31536000, immutable').send(found.body);
  }
}
