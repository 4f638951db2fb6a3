// Diagnostic preload for the service process (node --import bench/lib/trace-sql.mjs, only with
// `npm run bench -- <scenario> --trace-sql`): counts the SQL statements the service sends, by
// text. The first SIGUSR2 starts counting afresh, the second writes the counts to
// $BENCH_SQL_TRACE. Nothing of this is in the product.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// pg as the service's main script resolves it: a `--base` checkout has its own node_modules.
const require = createRequire(process.argv[1] ? pathToFileURL(process.argv[1]) : pathToFileURL(`${process.cwd()}/package.json`));
const pg = require('pg');
let counts = new Map();
let counting = false;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = (typeof config === 'string' ? config : config?.text ?? '?').replace(/\s+/g, ' ').slice(0, 160);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return original.call(this, config, ...rest);
};
process.on('SIGUSR2', () => {
  if (!counting) {
    counts = new Map();
    counting = true;
    return;
  }
  counting = false;
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  writeFileSync(process.env.BENCH_SQL_TRACE, JSON.stringify(sorted, null, 1));
});
