/**
 * database/ owns the connection (PostgreSQL or embedded PGlite), the migration runner,
 * cluster-wide advisory locks and units of work. It exports DATABASE (for repositories only),
 * the lock service, UnitOfWork (opaque Transaction handles) and the health probe. It never holds business logic and never uses `synchronize`.
 */
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AdvisoryLockService } from './advisory-lock.service.js';
import type { OpenedDatabase } from './data-source.factory.js';
import { DATABASE } from './database.tokens.js';
import { DatabaseHealth } from './database.health.js';
import { UnitOfWork } from './transactional.js';

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  /** The database is opened (and migrated) before Nest starts, so a bad URL fails fast. */
  static forRoot(db: OpenedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DATABASE, useValue: db }, AdvisoryLockService, DatabaseHealth, UnitOfWork],
      exports: [DATABASE, AdvisoryLockService, DatabaseHealth, UnitOfWork],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
