import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { landingPage } from '../ui/index.js';

/** `/` (#20): what this service is, where to sign in, the discovery document. Public, no personal data. */
@ApiExcludeController()
@Controller()
export class HomeController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  landing(@Res() reply: FastifyReply): void {
    const at = (path: string) => new URL(path, this.config.issuer).pathname;
    void reply
      .code(200)
      .header('Cache-Control', 'public, max-age=300')
      .type('text/html; charset=utf-8')
      .send(
        landingPage(this.config.brand, {
          issuer: this.config.issuer,
          accountUrl: at('/account'),
          consoleUrl: at('/admin/console'),
          discoveryUrl: at('/.well-known/openid-configuration'),
        }).toString(),
      );
  }
}
