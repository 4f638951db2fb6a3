/**
 * keys/ owns signing keys (generation, import, sealing under the KEK, rotation schedule,
 * revocation, the keystore handed to the OpenID Provider) and named server secrets, and its admin
 * API (/admin/v1/keys, on the admin kit). It exports KeysService and emits keys.* events (keys.rotated when the
 * published keystore changes, on every instance). It never stores or logs a private key or
 * secret in clear, and nothing else reads its tables.
 */
import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { KEYS_CLOCK, systemClock } from './clock.js';
import { KekRotationService } from './kek-rotation.service.js';
import { loadKek } from './kek.loader.js';
import { KeyLifecycleService } from './key-lifecycle.service.js';
import { KeyRotationJob } from './key-rotation.job.js';
import { KEK, KeySealer } from './key-sealer.js';
import { KeysRepository } from './keys.repository.js';
import { KeysService } from './keys.service.js';
import { KeystoreWatcher } from './keystore-watcher.js';
import { KeysAdminController } from './keys.admin.controller.js';

@Module({
  controllers: [KeysAdminController],
  providers: [
    KeysRepository,
    KeySealer,
    KeystoreWatcher,
    KeyLifecycleService,
    KekRotationService,
    KeysService,
    KeyRotationJob,
    { provide: KEYS_CLOCK, useFactory: systemClock },
    {
      provide: KEK,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const loaded = loadKek(config);
        if (loaded.warning) new Logger('KeysModule').warn(loaded.warning);
        return loaded;
      },
    },
  ],
  // Other modules use KeysService; the lifecycle services are exported for the commands (src/app/).
  exports: [KeysService, KeyLifecycleService, KekRotationService],
})
export class KeysModule {}
