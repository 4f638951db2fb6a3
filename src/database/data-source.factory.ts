import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { migrations } from '../../migrations/index.js';
import { SafePgClient } from './safe-pg-client.js';

export interface OpenedDatabase {
  dataSource: DataSource;
  kind: AppConfig['database']['kind'];
  close(): Promise<void>;
}

/**
 * Opens the database the configuration names: PostgreSQL at DATABASE_URL, or the embedded
 * PGlite under DATA_DIR. Never uses `synchronize`: the schema comes only from migrations.
 * The entities come from the composition root (src/app/entities.ts): database/ knows no module.
 */
export async function openDatabase(config: Pick<AppConfig, 'database'>, entities: NonNullable<DataSourceOptions['entities']>): Promise<OpenedDatabase> {
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
      // Waiting for a pooled connection and opening a new one share this limit (pg-pool's
      // connectionTimeoutMillis), so a full pool or an unreachable server fails in seconds.
      connectTimeoutMS: config.database.acquireTimeoutMs,
      applicationName: 'caduceus',
      poolErrorHandler: () => undefined,
      extra: poolOptions(config.database),
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
      poolErrorHandler: () => undefined,
      extra: { Client: SafePgClient },
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

/**
 * Limits that turn a stalled or vanished database into errors within seconds: the server
 * cancels a statement after statement_timeout (the connection stays usable); the client gives
 * up two seconds later if the server does not answer at all (the connection is then closed);
 * TCP keep-alive notices a peer that vanished without a reset. Errors of pooled clients are
 * logged by SafePgClient, so the pool's own 'error' event needs no second line.
 */
function poolOptions(database: Extract<AppConfig['database'], { kind: 'postgres' }>): Record<string, unknown> {
  return {
    Client: SafePgClient,
    idleTimeoutMillis: 30_000,
    statement_timeout: database.statementTimeoutMs,
    query_timeout: database.statementTimeoutMs + 2000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
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
