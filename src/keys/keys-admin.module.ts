/**
 * The keys module's admin API (/admin/v1/keys), in a module of its own: the controller needs
 * src/admin, and src/admin needs KeysService, so keeping the controller out of KeysModule keeps
 * that ES module cycle from evaluating admin before it is complete. Imported by AppModule only.
 * It exports nothing and never touches key material beyond what KeyLifecycleService returns.
 */
import { Module } from '@nestjs/common';
import { KeysAdminController } from './keys.admin.controller.js';
import { KeysModule } from './keys.module.js';

@Module({
  imports: [KeysModule],
  controllers: [KeysAdminController],
})
export class KeysAdminModule {}
