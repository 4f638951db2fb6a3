/**
 * setup/ owns the first run (#20): the one-time link start-up prints while no super-admin
 * exists, and the pages behind it that create the first administrator with a second factor.
 * It emits setup.* events and exports SetupService (main.ts asks it for the link).
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/index.js';
import { MfaModule } from '../mfa/index.js';
import { SetupController } from './setup.controller.js';
import { SetupService } from './setup.service.js';

@Module({ imports: [IdentityModule, MfaModule], controllers: [SetupController], providers: [SetupService], exports: [SetupService] })
export class SetupModule {}
