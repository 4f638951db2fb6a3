import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, type AppConfig } from './config/index.js';
import { DatabaseModule, type OpenedDatabase } from './database/index.js';
import { EventsModule } from './events/index.js';
import { HealthModule } from './health/health.module.js';
import { KeysModule } from './keys/index.js';
import { ClientsModule } from './clients/index.js';
import { OidcModule } from './oidc/index.js';
import { AdminModule } from './admin/index.js';
import { loggerParams } from './logging/logging.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, db: OpenedDatabase): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        DatabaseModule.forRoot(db),
        EventsModule,
        ScheduleModule.forRoot(),
        HealthModule,
        KeysModule,
        ClientsModule,
        OidcModule,
        AdminModule,
      ],
    };
  }
}
