/**
 * account/ is the account console at /account (#20): a person's profile, password, second
 * factors (with step-up), signed-in devices and connected apps, signed in through Caduceus
 * itself (the built-in account app). It emits account.* events and exports nothing.
 */
import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/index.js';
import { KeysModule } from '../keys/index.js';
import { MfaModule } from '../mfa/index.js';
import { OidcModule } from '../oidc/index.js';
import { AccountConsoleController } from './account-console.controller.js';
import { AccountSession } from './account-session.js';
import { AppsController } from './apps.controller.js';

@Module({
  imports: [IdentityModule, KeysModule, MfaModule, OidcModule],
  controllers: [AccountConsoleController, AppsController],
  providers: [AccountSession],
})
export class AccountConsoleModule {}
