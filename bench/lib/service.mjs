// The service under test as an operator runs it (node dist/src/main.js), a throw-away
// PostgreSQL database for it, and what the kernel says about its CPU time and memory.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function adminDatabaseUrl() {
  return process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A fresh database (dropped at the end); the service applies its own migrations to it. */
export async function createDatabase() {
  const name = `caduceus_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminDatabaseUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function postgresVersion() {
  const c = new pg.Client({ connectionString: adminDatabaseUrl() });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await c.end();
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** utime + stime of every thread of the process (argon2 workers and libuv pool included), in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * CPU seconds of the main (JavaScript) thread and of all other threads together (libuv pool:
 * argon2id hashing, crypto; V8 GC helpers; pino). Threads that ended are only in cpuSeconds().
 */
export function threadCpuSeconds(pid) {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = cpuSeconds(`${pid}/task/${tid}`);
      if (tid === String(pid)) main += s;
      else others += s;
    } catch {
      // the thread ended between readdir and read
    }
  }
  return { main, others };
}

/** utime and stime apart, in seconds: system time is the kernel's share (sockets, the loopback TCP stack). */
export function cpuSplit(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
}

/**
 * CPU seconds used so far by the PostgreSQL backends serving one database (the service's
 * pool), keyed by pid: PostgreSQL runs on the same two cores, so its share bounds throughput too.
 */
export async function databaseBackendCpu(name) {
  const c = new pg.Client({ connectionString: adminDatabaseUrl() });
  await c.connect();
  try {
    const { rows } = await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    const out = new Map();
    for (const { pid } of rows) {
      try {
        out.set(pid, cpuSeconds(pid));
      } catch {
        // the backend ended
      }
    }
    return out;
  } finally {
    await c.end();
  }
}

/** Transactions and row counts of one database from pg_stat_database (flushed about once a second). */
export async function databaseCounters(name) {
  const c = new pg.Client({ connectionString: adminDatabaseUrl() });
  await c.connect();
  try {
    const { rows } = await c.query(
      'SELECT xact_commit + xact_rollback AS xacts, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = $1',
      [name],
    );
    return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  } finally {
    await c.end();
  }
}

/** VmHWM / VmRSS from /proc/<pid>/status, in MiB. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { hwmMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/** The node/V8 flags of the `start:prod` script: what an operator's `npm run start:prod` passes. */
export function productNodeFlags(root = ROOT) {
  const words = startProdWords(root);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/src/main.js'));
}

/** The environment `start:prod` sets before `node` (e.g. MALLOC_ARENA_MAX=2): the service starts with it too. */
export function productEnv(root = ROOT) {
  const words = startProdWords(root);
  return Object.fromEntries(
    words
      .slice(0, words.indexOf('node'))
      .filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w))
      .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );
}

function startProdWords(root) {
  return JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts['start:prod'].split(/\s+/);
}

/**
 * Starts `node dist/src/main.js` with the given environment only (plus PATH and HOME), waits
 * for /health/ready. With `profileDir`, the process runs under --cpu-prof and writes its
 * profile there when it exits. `main` runs another build (`--base`: a checkout's dist/src/main.js).
 */
export async function startService(env, { profileDir, traceSql, preload = [], main = MAIN } = {}) {
  const port = await freePort();
  const args = [];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', profileDir);
  }
  if (traceSql) args.push('--import', pathToFileURL(`${ROOT}bench/lib/trace-sql.mjs`).href);
  for (const file of preload) args.push('--import', pathToFileURL(`${ROOT}bench/lib/${file}`).href);
  // The V8 flags the product starts with: those of `npm run start:prod`, read from package.json.
  // A `--base` build starts with its own checkout's flags (main is <checkout>/dist/src/main.js).
  const checkout = main === MAIN ? ROOT : fileURLToPath(new URL('../../', pathToFileURL(main)));
  args.push(...productNodeFlags(checkout));
  // V8 flags for the service process only (e.g. BENCH_NODE_FLAGS='--max-semi-space-size=4'),
  // to measure what a heap setting does to memory and CPU without changing the product.
  args.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  args.push(main);
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      SHUTDOWN_GRACE_SECONDS: '5',
      ...productEnv(checkout),
      ...(traceSql ? { BENCH_SQL_TRACE: traceSql } : {}),
      ...env,
      // Environment for the service process only (e.g. BENCH_SERVICE_ENV='{"MALLOC_ARENA_MAX":"8"}'),
      // to measure an allocator or thread-pool setting without changing the product.
      ...(process.env.BENCH_SERVICE_ENV ? JSON.parse(process.env.BENCH_SERVICE_ENV) : {}),
    },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-200_000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-200_000)));
  const exited = once(child, 'exit').then(([code]) => code);
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (dead) throw new Error(`the service exited during start-up:\n${out}`);
    const res = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`the service did not become ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid,
    output: () => out,
    cpuSeconds: () => cpuSeconds(child.pid),
    cpuSplit: () => cpuSplit(child.pid),
    signal: (sig) => child.kill(sig),
    threadCpuSeconds: () => threadCpuSeconds(child.pid),
    memory: () => memory(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      this.exitedAt = Date.now();
      clearTimeout(timer);
      return code;
    },
  };
}

export function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Starts the bare engine (bench/lib/peer-engine.mjs) with the same process accounting as startService. */
export async function startPeer({ clientId, clientSecret }) {
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean), fileURLToPath(new URL('./peer-engine.mjs', import.meta.url))], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), PEER_CLIENT_ID: clientId, PEER_CLIENT_SECRET: clientSecret },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = once(child, 'exit').then(([code]) => code);
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    void exited.then(() => reject(new Error(`the engine exited during start-up:\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    output: () => out,
    cpuSeconds: () => cpuSeconds(child.pid),
    memory: () => memory(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
