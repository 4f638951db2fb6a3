// node bench/memory.mjs [pg|embedded ...]: the service's resident memory at start, as an operator
// starts it (node dist/src/main.js, every default), on PostgreSQL (a throw-away database) and on
// the embedded default (PGlite, DATABASE_URL unset, a fresh data directory). Reports the peak
// resident set during start-up (VmHWM when /health/ready first answers), the resident set after
// 10 s idle, and V8's heap figures. Memory figures are not affected by a busy machine's noise.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startService } from './lib/service.mjs';

const which = process.argv.slice(2).length ? process.argv.slice(2) : ['pg', 'embedded'];
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const base = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...(process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {}) };

async function measure(label, env) {
  const t0 = Date.now();
  const service = await startService(env);
  const ready = service.memory();
  const readyMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idle = service.memory();
  await service.stop();
  const row = { label, readyMs, startPeakMiB: +idle.hwmMiB.toFixed(0), rssAtReadyMiB: +ready.rssMiB.toFixed(0), idleRssMiB: +idle.rssMiB.toFixed(0) };
  console.log(JSON.stringify(row));
  return row;
}

if (which.includes('pg')) {
  const db = await createDatabase();
  try {
    await measure('postgresql', { ...base, DATABASE_URL: db.url });
  } finally {
    await db.drop();
  }
}
if (which.includes('embedded')) {
  const dir = mkdtempSync(join(tmpdir(), 'caduceus-mem-'));
  try {
    await measure('embedded (fresh data dir)', { ...base, DATA_DIR: dir });
    await measure('embedded (second start, same data dir)', { ...base, DATA_DIR: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
