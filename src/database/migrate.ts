import type { OpenedDatabase } from './data-source.factory.js';
import { withPgLock } from './advisory-lock.service.js';

/**
 * Applies pending migrations, each in its own transaction. On PostgreSQL an advisory lock
 * makes concurrent starts of several instances apply them once.
 */
export async function runMigrations(db: OpenedDatabase): Promise<string[]> {
  const apply = async () => (await db.dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  if (db.kind === 'embedded') return apply();
  return withPgLock(db.dataSource, 'caduceus:migrations', apply);
}
