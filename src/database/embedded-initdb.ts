import { PGlite } from '@electric-sql/pglite';

/**
 * First start of the embedded database, in a short-lived process of its own (as PostgreSQL's
 * initdb is): PGlite's initdb runs a second PostgreSQL instance whose WASM memory stays resident
 * until a full garbage collection, which an idle service may never run. Here it ends with the
 * process. Usage: node embedded-initdb.js <pgdata> <start params as JSON>.
 */
const [pgdata, params] = process.argv.slice(2);
if (!pgdata || !params) {
  process.stderr.write('usage: embedded-initdb <pgdata> <start params as JSON>\n');
  process.exit(2);
}
const db = await PGlite.create(pgdata, { startParams: JSON.parse(params) as string[] });
await db.close();
