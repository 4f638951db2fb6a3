import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DatabaseHealth } from '../database/index.js';
import { ShutdownState } from './shutdown-state.js';

/**
 * Probes. live: the process answers (restart it if not). ready: it can serve traffic now,
 * meaning the database answers and the process is not shutting down (take it out of the pool if not).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const database = await this.database.ping();
    const ready = database && !this.shutdown.shuttingDown;
    reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ok' : 'unavailable',
      checks: { database: database ? 'ok' : 'unavailable', shuttingDown: this.shutdown.shuttingDown },
    };
  }
}
