import pg from 'pg';
import { adminDatabaseUrl } from './database.js';

/** Fails the run at once, with the reason, when the test PostgreSQL cannot be reached. */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `the tests need PostgreSQL at ${adminDatabaseUrl()} (set TEST_DATABASE_ADMIN_URL): ${(err as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
