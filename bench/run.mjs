// npm run bench [-- <scenario|group> ...] [--seconds N] [--warmup N] [--users N] [--profile]
// npm run bench -- all --peer --base <checkout> --trace-sql --report: the whole before/after run,
//   every scenario alternated between <checkout>'s build and this one, the peer ratio of both,
//   and a markdown table for BENCHMARKS.md (see "How to take the final run" there).
// npm run bench -- soak [--minutes N]: mixed traffic for N minutes, memory and event-loop delay (bench/soak.mjs).
// Creates a throw-away PostgreSQL database, sets up clients and users, then for each scenario
// starts the built service as its own process (node dist/src/main.js), warms it up, and
// measures: operations/s, p50/p95/p99, errors, the service's CPU seconds per 1,000 operations
// (utime+stime from /proc/<pid>/stat around the measured window) and its peak RSS (VmHWM).
// Plain .mjs: tsconfig.json type-checks bench/, and Node's type stripping would need `.ts`
// import specifiers that tsc refuses without changing the shared tsconfig.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, createDatabase, databaseBackendCpu, databaseCounters, postgresVersion, startService, writeJson } from './lib/service.mjs';
import { setUp } from './lib/setup.mjs';
import { UserPool, basicAuth } from './lib/flow.mjs';
import { summarise } from './lib/load.mjs';
import jwks from './scenarios/jwks.mjs';
import discovery from './scenarios/discovery.mjs';
import clientCredentials from './scenarios/client-credentials.mjs';
import clientCredentialsJwt from './scenarios/client-credentials-jwt.mjs';
import introspect from './scenarios/introspect.mjs';
import refresh from './scenarios/refresh.mjs';
import login from './scenarios/login.mjs';
import { create as adminUsersCreate, list as adminUsersList } from './scenarios/admin-users.mjs';
import { summariseProfile } from './profile.mjs';
import { peerRun } from './peer.mjs';
import { soak } from './soak.mjs';

const ALL = [jwks, discovery, clientCredentials, clientCredentialsJwt, introspect, refresh, login, adminUsersCreate, adminUsersList];
const RESULTS = join(ROOT, 'bench/results');
// The service's own output (warnings and errors only, LOG_LEVEL=warn), kept out of the tree.
const LOGS = join(tmpdir(), 'caduceus-bench');

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '10' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '2' },
    users: { type: 'string', default: process.env.BENCH_USERS ?? '600' },
    profile: { type: 'boolean', default: false },
    'trace-sql': { type: 'boolean', default: false },
    peer: { type: 'boolean', default: false },
    base: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    report: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '10' },
  },
});
const soakRun = positionals.length === 1 && positionals[0] === 'soak';
// `all` is every scenario, as no scenario named at all.
if (positionals.length === 1 && positionals[0] === 'all') positionals.length = 0;
const unknown = soakRun ? [] : positionals.filter((p) => !ALL.some((s) => s.name === p || s.group === p));
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${[...new Set(ALL.flatMap((s) => [s.group, s.name]))].join(', ')}`);
  process.exit(2);
}
const selected = positionals.length ? ALL.filter((s) => positionals.includes(s.name) || positionals.includes(s.group)) : ALL;
const seconds = Number(opts.seconds);
const warmup = Number(opts.warmup);
// --peer alone is the peer ratio only; with --base or --report the scenarios run after it.
const peerOnly = opts.peer && !opts.base && !opts.report;
const needsUsers = !peerOnly && selected.some((s) => s.group === 'login' || s.group === 'refresh');

if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`Node ${process.version}: the service and its benchmark need Node 24 (export PATH=$PWD/node_modules/.bin:$PATH)`);
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
  console.error('dist/src/main.js is missing: run `npm run build` first (npm run bench does)');
  process.exit(2);
}

const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const machine = {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    postgres: await postgresVersion(),
  };
  log(`machine: ${JSON.stringify(machine)}`);
  const db = await createDatabase();
  const adminId = 'bench-admin';
  const adminSecret = randomBytes(32).toString('base64url');
  const env = {
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BOOTSTRAP_ADMIN_CLIENT_ID: adminId,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: adminSecret,
    // All the load comes from one IP and a handful of clients, which the default per-IP limits
    // (600 token requests a minute) would refuse within seconds. Raised, not disabled: the
    // limiter still counts every request, so its cost stays in the figures.
    ...Object.fromEntries(
      ['TOKEN_PER_IP', 'TOKEN_PER_CLIENT', 'INTROSPECT_PER_IP', 'INTROSPECT_PER_CLIENT', 'SIGN_IN_PER_IP', 'ADMIN_PER_IP'].map((k) => [`RATE_LIMIT_${k}`, '1000000']),
    ),
  };
  const rows = [];
  try {
    const users = needsUsers ? Number(opts.users) : 0;
    log(`set-up: clients and ${users} users with TOTP (argon2id each), in-process against ${db.name}`);
    const t0 = Date.now();
    const setup = await setUp(env, users);
    log(`set-up done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const pool = new UserPool(setup.users);
    let consentPolicy;

    const peers = {};
    if (opts.peer) {
      const printPeer = (name, peer) => {
        console.log(`peer ratio (${name} / bare engine), client credentials: throughput ${peer.throughputRatio}×, CPU per grant ${peer.cpuRatio}× (median of ${peer.pairs.length} pairs; per pair ${peer.pairs.map((p) => `${p.throughputRatio}/${p.cpuRatio}`).join(', ')})`);
        for (const r of peer.runs) console.log(`  ${r.who.padEnd(7)} ${String(r.opsPerSecond).padStart(8)}/s  ${r.cpuMsPerOp.toFixed(3)} ms CPU/op  peak ${r.peakMemoryMiB} MiB  errors ${r.errors}`);
        if (peer.runs.some((r) => r.errors > 0)) process.exitCode = 1;
      };
      if (opts.base) {
        const baseMain = resolve(opts.base, 'dist/src/main.js');
        if (!existsSync(baseMain)) throw new Error(`${baseMain} is missing: build the base checkout first`);
        peers.base = await peerRun({ env, setup, seconds, warmup, rounds: Number(opts.rounds), log, main: baseMain, label: 'base' });
        writeJson(join(RESULTS, 'peer.base.json'), { ...peers.base, machine, at: new Date().toISOString() });
      }
      peers.this = await peerRun({ env, setup, seconds, warmup, rounds: Number(opts.rounds), log });
      writeJson(join(RESULTS, 'peer.json'), { ...peers.this, machine, at: new Date().toISOString() });
      if (peers.base) printPeer('base', peers.base);
      printPeer('service', peers.this);
      if (peerOnly) return;
    }

    /** One scenario against one build (this tree's, or `--base`'s with a label), as its own service process. */
    const runScenario = async (scenario, mainPath, label) => {
      let measuredFrom;
      let measuredTo;
      const profileDir = opts.profile ? join(RESULTS, 'profiles', scenario.name) : undefined;
      const startedAt = Date.now();
      const traceSql = opts['trace-sql'] ? join(LOGS, `${scenario.name}.sql.json`) : undefined;
      if (traceSql) mkdirSync(LOGS, { recursive: true });
      const service = await startService(env, { profileDir, traceSql, main: mainPath });
      const rssAtStartMiB = +service.memory().rssMiB.toFixed(0);
      let token;
      const ctx = {
        url: service.url,
        setup,
        users: pool,
        async adminToken() {
          if (token) return token;
          const res = await fetch(`${service.url}/token`, {
            method: 'POST',
            headers: { authorization: basicAuth(adminId, adminSecret), 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:caduceus:admin', scope: 'admin:super-admin' }),
          });
          const body = await res.json();
          if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
          return (token = body.access_token);
        },
      };
      try {
        if (consentPolicy === undefined) {
          // A trusted first-party app skips the consent page; where the consent module is not
          // mounted yet there is no consent page either. Either way: "consent already granted".
          const res = await fetch(`${service.url}/admin/v1/clients/${setup.web.clientId}/consent-policy`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${await ctx.adminToken()}`, 'content-type': 'application/json' },
            body: JSON.stringify({ firstParty: true }),
          });
          consentPolicy = res.status === 200 ? 'first-party (consent page skipped)' : `consent-policy route answered ${res.status}: no consent step mounted`;
          await res.body?.cancel();
          log(`charting app consent: ${consentPolicy}`);
        }
        const state = (await scenario.prepare?.(ctx)) ?? {};
        if (state.skip) {
          log(`${scenario.name}: skipped, ${state.skip}`);
          writeJson(join(RESULTS, `${scenario.name}.json`), { scenario: scenario.name, what: scenario.what, skipped: state.skip, machine, at: new Date().toISOString() });
          return { scenario: scenario.name, skipped: state.skip };
        }
        if (warmup > 0) {
          log(`${scenario.name}: warm-up ${warmup} s`);
          await scenario.load(ctx, warmup, state);
        }
        log(`${scenario.name}: measuring ${seconds} s at ${scenario.connections} connections`);
        const db0 = await databaseCounters(db.name);
        const pg0 = await databaseBackendCpu(db.name);
        const split0 = service.cpuSplit();
        const threads0 = service.threadCpuSeconds();
        const cpu0 = service.cpuSeconds();
        measuredFrom = Date.now();
        if (traceSql) service.signal('SIGUSR2');
        const r = await scenario.load(ctx, seconds, state);
        measuredTo = Date.now();
        if (traceSql) service.signal('SIGUSR2');
        const cpu1 = service.cpuSeconds();
        const threads1 = service.threadCpuSeconds();
        const split1 = service.cpuSplit();
        const pg1 = await databaseBackendCpu(db.name);
        let pgCpu = 0;
        for (const [pid, s] of pg1) pgCpu += s - (pg0.get(pid) ?? 0);
        const mem = service.memory();
        // pg_stat_database is flushed about once a second after activity.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const db1 = await databaseCounters(db.name);
        const perOp = (v) => (r.ops ? +(v / r.ops).toFixed(2) : undefined);
        const lat = summarise(r.latencies);
        const cpuMsPerOp = r.ops ? ((cpu1 - cpu0) * 1000) / r.ops : NaN;
        const row = {
          scenario: scenario.name,
          what: scenario.what,
          connections: scenario.connections,
          seconds: +r.seconds.toFixed(2),
          ops: r.ops,
          opsPerSecond: +(r.ops / r.seconds).toFixed(1),
          latencyMs: { p50: +lat.p50.toFixed(2), p95: +lat.p95.toFixed(2), p99: +lat.p99.toFixed(2), max: +lat.max.toFixed(2) },
          errors: r.errors,
          errorSamples: r.errorSamples,
          serviceCpuSeconds: +(cpu1 - cpu0).toFixed(2),
          serviceCpuSecondsPer1000Ops: +cpuMsPerOp.toFixed(3),
          opsPerBusyVcpu: +(1000 / cpuMsPerOp).toFixed(0),
          opsPerSecondPerVcpu: +(r.ops / r.seconds / machine.nproc).toFixed(1),
          keycloakPerVcpu: scenario.keycloakPerVcpu,
          serviceCpuMsPerOpUserSystem: { user: perOp((split1.user - split0.user) * 1000), system: perOp((split1.system - split0.system) * 1000) },
          postgresBackendCpuMsPerOp: perOp(pgCpu * 1000),
          serviceCpuMsPerOpByThread: { main: perOp((threads1.main - threads0.main) * 1000), otherThreads: perOp((threads1.others - threads0.others) * 1000) },
          databasePerOp: Object.fromEntries(Object.keys(db1).map((k) => [k, perOp(db1[k] - db0[k])])),
          peakMemoryMiB: +mem.hwmMiB.toFixed(0),
          rssAtStartMiB,
          rssAtEndMiB: +mem.rssMiB.toFixed(0),
          target: scenario.target,
          note: r.note,
          extra: r.extra,
          consent: scenario.group === 'login' || scenario.group === 'refresh' ? consentPolicy : undefined,
          machine,
          at: new Date(startedAt).toISOString(),
        };
        if (traceSql) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          const counted = JSON.parse(readFileSync(traceSql, 'utf8'));
          row.sqlPerOp = counted.slice(0, 25).map(([text, n]) => ({ perOp: +(n / r.ops).toFixed(2), text }));
          row.sqlStatementsPerOp = +(counted.reduce((a, [, n]) => a + n, 0) / r.ops).toFixed(2);
        }
        if (!label) writeJson(join(RESULTS, `${scenario.name}.json`), row);
        log(`${label ? `${label} ` : ''}${scenario.name}: ${row.opsPerSecond}/s, p99 ${row.latencyMs.p99} ms, errors ${row.errors}, ${row.serviceCpuSecondsPer1000Ops} CPU s/1000 ops${r.errorSamples.length ? `; e.g. ${r.errorSamples[0]}` : ''}`);
        return row;
      } finally {
        const code = await service.stop();
        mkdirSync(LOGS, { recursive: true });
        writeFileSync(join(LOGS, `${scenario.name}.log`), service.output());
        if (code !== 0 && code !== null) log(`${scenario.name}: the service exited with ${code}:\n${service.output().slice(-2000)}`);
        if (profileDir) {
          const newest = readdirSync(profileDir)
            .filter((f) => f.endsWith('.cpuprofile'))
            .map((f) => join(profileDir, f))
            .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
          if (newest) {
            const window = measuredFrom ? { fromMsBeforeEnd: service.exitedAt - measuredFrom, toMsBeforeEnd: service.exitedAt - measuredTo } : undefined;
            const summary = summariseProfile(newest, 20, window);
            writeJson(join(RESULTS, `${scenario.name}.profile.json`), { profile: newest, window: 'measured run only', ...summary });
            log(`${scenario.name}: profile ${newest}; top self time: ${summary.functions.slice(0, 6).map((f) => `${f.name} ${f.pct}%`).join('; ')}`);
          }
        }
      }
    };

    if (opts.base) {
      const baseMain = resolve(opts.base, 'dist/src/main.js');
      if (!existsSync(baseMain)) throw new Error(`${baseMain} is missing: build the base checkout first`);
      const paired = [];
      for (const scenario of selected) {
        const pairs = [];
        // base, this, base, this ...: a drift in the machine's speed falls on both.
        for (let i = 0; i < Number(opts.rounds); i++) {
          const base = await runScenario(scenario, baseMain, 'base');
          const mine = await runScenario(scenario, undefined, 'this');
          if (base.skipped || mine.skipped) break;
          pairs.push({ base, mine });
        }
        const cpu = pairs.map((p) => p.mine.serviceCpuSecondsPer1000Ops / p.base.serviceCpuSecondsPer1000Ops);
        const rps = pairs.map((p) => p.mine.opsPerSecond / p.base.opsPerSecond);
        const sql = pairs.map((p) => [p.base.sqlStatementsPerOp, p.mine.sqlStatementsPerOp]);
        const result = {
          scenario: scenario.name,
          base: opts.base,
          cpuMsPerOp: pairs.map((p) => [p.base.serviceCpuSecondsPer1000Ops, p.mine.serviceCpuSecondsPer1000Ops]),
          opsPerSecond: pairs.map((p) => [p.base.opsPerSecond, p.mine.opsPerSecond]),
          sqlStatementsPerOp: opts['trace-sql'] ? sql : undefined,
          postgresCpuMsPerOp: pairs.map((p) => [p.base.postgresBackendCpuMsPerOp, p.mine.postgresBackendCpuMsPerOp]),
          peakMemoryMiB: pairs.map((p) => [p.base.peakMemoryMiB, p.mine.peakMemoryMiB]),
          cpuRatioMedian: +median(cpu).toFixed(3),
          throughputRatioMedian: +median(rps).toFixed(3),
          errors: pairs.reduce((n, p) => n + p.base.errors + p.mine.errors, 0),
          machine,
          at: new Date().toISOString(),
        };
        writeJson(join(RESULTS, `${scenario.name}.ab.json`), result);
        paired.push(result);
      }
      for (const r of paired) {
        console.log(
          `${r.scenario}: CPU ms/op this/base ${r.cpuRatioMedian}× (pairs ${r.cpuMsPerOp.map(([b, m]) => `${b}→${m}`).join(', ')}); ops/s ${r.throughputRatioMedian}×` +
            (r.sqlStatementsPerOp ? `; statements/op ${r.sqlStatementsPerOp.map(([b, m]) => `${b}→${m}`).join(', ')}` : '') +
            `; errors ${r.errors}`,
        );
      }
      if (opts.report) printReport({ paired, peers, machine, seconds, rounds: Number(opts.rounds), base: opts.base });
      if (paired.some((r) => r.errors > 0)) process.exitCode = 1;
      return;
    }

    for (const scenario of selected) rows.push(await runScenario(scenario));
    if (opts.report) {
      const paired = rows.filter((r) => !r.skipped).map((r) => ({
        scenario: r.scenario,
        cpuMsPerOp: [[undefined, r.serviceCpuSecondsPer1000Ops]],
        opsPerSecond: [[undefined, r.opsPerSecond]],
        sqlStatementsPerOp: opts['trace-sql'] ? [[undefined, r.sqlStatementsPerOp]] : undefined,
        postgresCpuMsPerOp: [[undefined, r.postgresBackendCpuMsPerOp]],
        peakMemoryMiB: [[undefined, r.peakMemoryMiB]],
        errors: r.errors,
      }));
      printReport({ paired, peers, machine, seconds, rounds: 1 });
    }
  } finally {
    await db.drop().catch((err) => log(`could not drop ${db.name}: ${err.message}`));
  }

  const header = ['scenario', 'conns', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'CPU s/1k ops', 'ops/s/busy vCPU', 'peak MiB'];
  const lines = rows.map((r) =>
    r.skipped
      ? [r.scenario, '', '', '', '', '', '', '', '', `skipped: ${r.skipped}`]
      : [r.scenario, r.connections, fmt(r.opsPerSecond), fmt(r.latencyMs.p50), fmt(r.latencyMs.p95), fmt(r.latencyMs.p99), r.errors, fmt(r.serviceCpuSecondsPer1000Ops, 2), r.opsPerBusyVcpu, r.peakMemoryMiB],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const print = (cells) => console.log(`| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
  print(header);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) print(l);
  if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
}

/**
 * Issue #19's targets, for the report only (a benchmark is not a test: nothing fails on them).
 * cpuMs: service CPU per operation; rps: requests per second; peer: req/s ratio to the bare engine.
 */
const TARGETS = {
  jwks: { rps: 10_000, text: '≥ 10k req/s' },
  discovery: { rps: 10_000, text: '≥ 10k req/s' },
  'client-credentials': { peer: 0.6, text: '≥ 0.6× the bare engine' },
  introspect: { cpuMs: 0.3, text: '≤ 0.3 ms CPU' },
  refresh: { cpuMs: 1.0, text: '≤ 1.0 ms CPU' },
  login: { cpuMs: 30, text: '≤ 30 ms CPU' },
};
const PEAK_RSS_TARGET_MIB = 250;

/** A markdown table for BENCHMARKS.md: per scenario before → after (median of the pairs, and each pair), the peer ratio, each target met or not. */
function printReport({ paired, peers, machine, seconds, rounds, base }) {
  const med = (xs) => median(xs.filter((x) => Number.isFinite(x)));
  const col = (pairs, i) => pairs.map((p) => p[i]);
  const both = (pairs, d) => {
    const b = med(col(pairs, 0));
    const m = med(col(pairs, 1));
    return Number.isFinite(b) ? `${fmt(b, d)} → ${fmt(m, d)}` : fmt(m, d);
  };
  const each = (pairs, d) => (pairs.length > 1 ? ` (${pairs.map(([b, m]) => (b === undefined ? fmt(m, d) : `${fmt(b, d)}→${fmt(m, d)}`)).join(', ')})` : '');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const lines = [];
  lines.push(`Run of ${new Date().toISOString().slice(0, 16)} UTC, ${machine.nproc} vCPU ${machine.cpuModel}, Node ${machine.node}, PostgreSQL ${machine.postgres}; load average at the end ${load}.`);
  lines.push(`${seconds} s per measurement, ${rounds} ${base ? 'pairs (base, this, alternated)' : 'run'} per scenario${base ? `; before = \`${base}\`` : ''}. Figures: median${rounds > 1 ? ' (each pair)' : ''}.`);
  lines.push('');
  if (peers.this) {
    lines.push('| peer ratio, client credentials | throughput (service ÷ engine) | CPU per grant (engine ÷ service) | engine ms/op | service ms/op | target | met? |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const [who, p] of Object.entries(peers)) {
      const ms = (w) => p.runs.filter((r) => r.who === w).map((r) => r.cpuMsPerOp.toFixed(3)).join(', ');
      lines.push(`| ${who === 'base' ? 'before' : 'after'} | ${p.throughputRatio}× (${p.pairs.map((x) => x.throughputRatio).join(', ')}) | ${p.cpuRatio}× (${p.pairs.map((x) => x.cpuRatio).join(', ')}) | ${ms('engine')} | ${ms('service')} | ≥ 0.6× | ${p.throughputRatio >= 0.6 ? 'yes' : 'no'} |`);
    }
    lines.push('');
  }
  lines.push(`| scenario | CPU ms/op${base ? ' before → after' : ''} | req/s${base ? ' before → after' : ''} | statements/op${base ? ' before → after' : ''} | PostgreSQL CPU ms/op | peak RSS MiB | errors | target | met? |`);
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of paired) {
    const t = TARGETS[r.scenario];
    const cpu = med(col(r.cpuMsPerOp, 1));
    const rps = med(col(r.opsPerSecond, 1));
    const peakAfter = Math.max(...col(r.peakMemoryMiB, 1));
    let met = '–';
    if (t?.cpuMs) met = cpu <= t.cpuMs ? 'yes' : 'no';
    else if (t?.rps) met = rps >= t.rps ? 'yes' : 'no';
    else if (t?.peer) met = peers.this ? (peers.this.throughputRatio >= t.peer ? 'yes' : 'no') : 'run with --peer';
    const rss = `${both(r.peakMemoryMiB, 0)}${peakAfter < PEAK_RSS_TARGET_MIB ? '' : ' (≥ 250)'}`;
    lines.push(
      `| ${r.scenario} | ${both(r.cpuMsPerOp, 3)}${each(r.cpuMsPerOp, 3)} | ${both(r.opsPerSecond, 0)}${each(r.opsPerSecond, 0)} | ${r.sqlStatementsPerOp ? both(r.sqlStatementsPerOp, 2) : 'run with --trace-sql'} | ${both(r.postgresCpuMsPerOp, 2)} | ${rss} | ${r.errors} | ${t?.text ?? '–'} | ${met} |`,
    );
  }
  lines.push('');
  lines.push(`Peak RSS target: < ${PEAK_RSS_TARGET_MIB} MiB in every scenario: ${paired.every((r) => Math.max(...col(r.peakMemoryMiB, 1)) < PEAK_RSS_TARGET_MIB) ? 'met' : 'not met'} (after).`);
  const text = lines.join('\n');
  writeFileSync(join(RESULTS, 'report.md'), `${text}\n`);
  console.log(`\n${text}`);
}

(soakRun ? soak({ minutes: Number(opts.minutes), users: Number(opts.users), log }) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
