/**
 * keys/ owns signing keys (generation, sealing under the KEK, the keystore handed to the
 * OpenID Provider) and named server secrets. It exports KeysService and emits keys.* events.
 * It never stores or logs a private key or secret in clear, and nothing else reads its tables.
 */
import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { loadKek } from './kek.loader.js';
import { KeysRepository } from './keys.repository.js';
import { KEK, KeysService } from './keys.service.js';

@Module({
  providers: [
    KeysRepository,
    KeysService,
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
  exports: [KeysService],
})
export class KeysModule {}
