import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { entities, migrations } from './entities.js';

export interface OpenedDatabase {
  dataSource: DataSource;
  kind: AppConfig['database']['kind'];
  close(): Promise<void>;
}

/**
 * Opens the database the configuration names: PostgreSQL at DATABASE_URL, or the embedded
 * PGlite under DATA_DIR. Never uses `synchronize`: the schema comes only from migrations.
 */
export async function openDatabase(config: Pick<AppConfig, 'database'>): Promise<OpenedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  };
  let dataSource: DataSource;
  if (config.database.kind === 'postgres') {
    dataSource = new DataSource({
      ...common,
      url: config.database.url,
      poolSize: config.database.poolSize,
      connectTimeoutMS: 5000,
      applicationName: 'caduceus',
      extra: { idleTimeoutMillis: 30_000, query_timeout: 15_000 },
    });
  } else {
    embedded = await startEmbeddedPostgres(config.database.dataDir);
    dataSource = new DataSource({
      ...common,
      host: embedded.socketDir,
      port: embedded.port,
      username: 'postgres',
      database: 'postgres',
      poolSize: 1,
    });
  }
  try {
    await dataSource.initialize();
  } catch (cause) {
    await embedded?.stop().catch(() => undefined);
    throw new DatabaseUnavailableError(describeConnectionError(cause), { cause });
  }
  return {
    dataSource,
    kind: config.database.kind,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** A short reason without the URL (which may carry a password). */
function describeConnectionError(cause: unknown): string {
  const err = cause as { code?: string; message?: string };
  const reason = err?.code ? `${err.code}: ${err.message ?? ''}` : (err?.message ?? String(cause));
  return `cannot connect to the database at DATABASE_URL (${reason.replace(/postgres(ql)?:\/\/\S+/g, '<url>').trim()})`;
}
