/** `npm run migration:run`: applies pending migrations to the configured database and exits. */
import { ConfigError, loadConfig } from '../config/index.js';
import { openDatabase, runMigrations } from '../database/index.js';
import { entities } from './entities.js';

try {
  const config = loadConfig();
  const db = await openDatabase(config, entities);
  try {
    const applied = await runMigrations(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'no pending migrations\n');
  } finally {
    await db.close();
  }
} catch (err) {
  const lines = err instanceof ConfigError ? err.problems.map((p) => `invalid configuration: ${p}`) : [(err as Error).message];
  for (const line of lines) process.stderr.write(`caduceus: ${line}\n`);
  process.exit(1);
}
