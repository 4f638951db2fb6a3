/**
 * admin-console/ serves the built-in admin console (a Vite-built app in console/, built to
 * dist/admin-console by `npm run build`) at /admin/console and registers its public client
 * (caduceus-admin-console). It holds no data and no admin logic: the console is one more client
 * of the public admin API. See docs/admin-console.md for why it is built this way.
 */
import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/index.js';
import { ConsentModule } from '../consent/index.js';
import { AdminConsoleController } from './admin-console.controller.js';
import { AdminConsoleClient } from './console-client.js';

@Module({
  imports: [ClientsModule, ConsentModule],
  controllers: [AdminConsoleController],
  providers: [AdminConsoleClient],
})
export class AdminConsoleModule {}
