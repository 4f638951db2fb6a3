import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ACCOUNT_APPS_PATH } from './consent.step.js';
import { smartConfiguration } from './smart-configuration.js';

/**
 * SMART discovery. Apps in browsers read it from other origins, so it is public and CORS-open.
 * Without a configured FHIR server nothing SMART can be granted, so there is no document either.
 */
@ApiExcludeController()
@Controller('.well-known')
export class SmartConfigurationController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('smart-configuration')
  document(@Res() reply: FastifyReply): void {
    if (!this.config.smart.fhirBaseUrls.length) throw new NotFoundException('SMART on FHIR is not configured (FHIR_BASE_URLS)');
    reply
      .code(200)
      .header('Cache-Control', 'public, max-age=300')
      .header('Access-Control-Allow-Origin', '*')
      .header('Cross-Origin-Resource-Policy', 'cross-origin')
      .type('application/json')
      .send(smartConfiguration(this.config.issuer, { management: ACCOUNT_APPS_PATH }, { ehrLaunch: this.config.smart.ehrLaunch }));
  }
}
