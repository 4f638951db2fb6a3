// npm run bench -- soak [--minutes N] [--users N]: one service process under mixed traffic for N
// minutes (default 10): full sign-ins (password + TOTP), refresh-token rotation, client
// credentials, introspection and admin API reads, each paced so the load is steady rather than
// flat out. Every minute: the service's resident set (VmRSS) and its event-loop delay since the
// previous sample (a perf_hooks histogram in a preload, bench/lib/loop-delay.mjs). Prints a small
// chart, writes bench/results/soak.csv, and says whether RSS at the end is within 10% of minute 2
// (exit code 1 when it is not, or when any request failed). Not run in CI.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, createDatabase, startService } from './lib/service.mjs';
import { setUp } from './lib/setup.mjs';
import { UserPool, basicAuth, signIn } from './lib/flow.mjs';

const PACE_MS = Number(process.env.BENCH_SOAK_PACE_MS ?? 25);
const KINDS = ['signIn', 'refresh', 'clientCredentials', 'introspect', 'adminRead'];
const snapshotAt = (process.env.BENCH_SOAK_SNAPSHOT_AT ?? '').split(',').filter(Boolean).map(Number);
const WORKERS = { signIn: 2, refresh: 4, clientCredentials: 4, introspect: 4, adminRead: 2 };

export async function soak({ minutes, users, log }) {
  const db = await createDatabase();
  const adminId = 'soak-admin';
  const adminSecret = randomBytes(32).toString('base64url');
  const env = {
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BOOTSTRAP_ADMIN_CLIENT_ID: adminId,
    BOOTSTRAP_ADMIN_CLIENT_SECRET: adminSecret,
    // One address and a handful of clients: raised (still counted) so no 429 hides a figure.
    ...Object.fromEntries(
      ['TOKEN_PER_IP', 'TOKEN_PER_CLIENT', 'INTROSPECT_PER_IP', 'INTROSPECT_PER_CLIENT', 'SIGN_IN_PER_IP', 'ADMIN_PER_IP'].map((k) => [`RATE_LIMIT_${k}`, '1000000']),
    ),
  };
  const delayFile = join(tmpdir(), `caduceus-soak-${process.pid}.jsonl`);
  rmSync(delayFile, { force: true });
  let service;
  try {
    log(`soak: set-up of clients and ${users} users with TOTP`);
    const setup = await setUp(env, users);
    const pool = new UserPool(setup.users);
    service = await startService({ ...env, BENCH_LOOP_DELAY_FILE: delayFile }, { preload: ['loop-delay.mjs'] });
    const url = service.url;
    log(`soak: service pid ${service.pid}`);

    let admin = { token: '', at: 0 };
    const adminToken = async () => {
      // A fresh token every two minutes: client-credentials tokens outlive that, not the soak.
      if (admin.token && Date.now() - admin.at < 120_000) return admin.token;
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(adminId, adminSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:caduceus:admin', scope: 'admin:super-admin' }),
      });
      const body = await res.json();
      if (!body.access_token) throw new Error(`no admin token: ${JSON.stringify(body)}`);
      admin = { token: body.access_token, at: Date.now() };
      return admin.token;
    };
    const policy = await fetch(`${url}/admin/v1/clients/${setup.web.clientId}/consent-policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstParty: true }),
    });
    await policy.body?.cancel();

    const takeUser = async () => {
      for (;;) {
        const user = pool.take();
        if (user) return user;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const chains = [];
    while (chains.length < WORKERS.refresh) {
      const user = await takeUser();
      try {
        const { tokens } = await signIn(url, setup.web, user, { scope: 'openid offline_access', extra: { prompt: 'consent' } });
        chains.push(tokens.refresh_token);
      } finally {
        user.release();
      }
    }
    const issued = [];
    const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const errors = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const samples = [];
    const expectOk = async (res, what, check = (b) => true) => {
      const text = await res.text();
      if (res.status !== 200 || !check(text)) throw new Error(`${what} answered ${res.status}: ${text.slice(0, 200)}`);
      return text;
    };
    const ops = {
      async signIn() {
        const user = await takeUser();
        try {
          await signIn(url, setup.web, user);
        } finally {
          user.release();
        }
      },
      async refresh(i) {
        const res = await fetch(`${url}/token`, {
          method: 'POST',
          headers: { authorization: basicAuth(setup.web.clientId, setup.web.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: chains[i] }),
        });
        chains[i] = JSON.parse(await expectOk(res, 'refresh', (b) => b.includes('"refresh_token"'))).refresh_token;
      },
      async clientCredentials() {
        const res = await fetch(`${url}/token`, {
          method: 'POST',
          headers: { authorization: basicAuth(setup.basic.clientId, setup.basic.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        issued.push(JSON.parse(await expectOk(res, 'client credentials', (b) => b.includes('"access_token"'))).access_token);
        if (issued.length > 500) issued.splice(0, issued.length - 500);
      },
      async introspect() {
        if (!issued.length) return ops.clientCredentials();
        const res = await fetch(`${url}/introspect`, {
          method: 'POST',
          // The client introspects its own tokens (introspection answers only what the caller may know).
          headers: { authorization: basicAuth(setup.basic.clientId, setup.basic.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: issued[Math.floor(Math.random() * issued.length)] }),
        });
        await expectOk(res, 'introspection', (b) => b.includes('"active":true'));
      },
      async adminRead(i) {
        const path = i % 2 ? '/admin/v1/audit/events?limit=20' : '/admin/v1/users?limit=50';
        await expectOk(await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${await adminToken()}` } }), `GET ${path}`);
      },
    };
    const errorSamples = [];
    const deadline = Date.now() + minutes * 60_000;
    const started = Date.now();
    const workers = KINDS.flatMap((kind) =>
      Array.from({ length: WORKERS[kind] }, async (_, i) => {
        while (Date.now() < deadline) {
          try {
            await ops[kind](i);
            counts[kind]++;
          } catch (err) {
            errors[kind]++;
            if (errorSamples.length < 5) errorSamples.push(`${kind}: ${String(err.message ?? err).slice(0, 300)}`);
          }
          await new Promise((r) => setTimeout(r, PACE_MS));
        }
      }),
    );

    let last = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const sample = async (minute) => {
      const lines = () => (existsSync(delayFile) ? readFileSync(delayFile, 'utf8').trim().split('\n').filter(Boolean) : []);
      const before = lines().length;
      service.signal('SIGUSR2');
      for (let i = 0; i < 50 && lines().length === before; i++) await new Promise((r) => setTimeout(r, 100));
      const delay = JSON.parse(lines().at(-1) ?? '{}');
      const mem = service.memory();
      const row = {
        minute,
        elapsedS: Math.round((Date.now() - started) / 1000),
        rssMiB: +mem.rssMiB.toFixed(1),
        hwmMiB: +mem.hwmMiB.toFixed(1),
        loopMeanMs: delay.meanMs,
        loopP50Ms: delay.p50Ms,
        loopP99Ms: delay.p99Ms,
        loopMaxMs: delay.maxMs,
        heapTotalMiB: delay.heapTotalMiB,
        heapUsedMiB: delay.heapUsedMiB,
        externalMiB: delay.externalMiB,
        ...Object.fromEntries(KINDS.map((k) => [k, counts[k] - last[k]])),
        errors: KINDS.reduce((n, k) => n + errors[k], 0),
      };
      last = { ...counts };
      samples.push(row);
      // BENCH_SOAK_SNAPSHOT_AT=1,3 with BENCH_NODE_FLAGS='--heapsnapshot-signal=SIGUSR1 --diagnostic-dir=DIR':
      // a heap snapshot of the service after those minutes' samples (it runs a full collection).
      if (snapshotAt.includes(minute)) service.signal('SIGUSR1');
      log(`minute ${minute}: RSS ${row.rssMiB} MiB (heap ${row.heapUsedMiB}/${row.heapTotalMiB}, external ${row.externalMiB}), loop delay p99 ${row.loopP99Ms} ms, ops ${KINDS.map((k) => `${k} ${row[k]}`).join(', ')}, errors so far ${row.errors}`);
    };
    await sample(0);
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + minute * 60_000 - Date.now())));
      await sample(minute);
    }
    await Promise.all(workers);

    const csv = [Object.keys(samples[0]).join(','), ...samples.map((r) => Object.values(r).join(','))].join('\n');
    const csvPath = join(ROOT, 'bench/results/soak.csv');
    writeFileSync(csvPath, `${csv}\n`);
    console.log(chart(samples));
    const base = samples.find((r) => r.minute === 2) ?? samples[1] ?? samples[0];
    const end = samples.at(-1);
    const drift = (end.rssMiB - base.rssMiB) / base.rssMiB;
    const within = Math.abs(drift) <= 0.1;
    const total = Object.fromEntries(KINDS.map((k) => [k, counts[k]]));
    console.log(`ops over ${minutes} min: ${KINDS.map((k) => `${k} ${total[k]}`).join(', ')}; errors ${end.errors}${errorSamples.length ? ` (e.g. ${errorSamples[0]})` : ''}`);
    console.log(`RSS at the end ${end.rssMiB} MiB vs minute ${base.minute} ${base.rssMiB} MiB: ${(drift * 100).toFixed(1)}% — ${within ? 'within' : 'NOT within'} 10%`);
    console.log(`CSV: ${csvPath}`);
    if (!within || end.errors > 0) process.exitCode = 1;
  } finally {
    const code = await service?.stop();
    if (code) log(`the service exited with ${code}:\n${service.output().slice(-2000)}`);
    await db.drop().catch((err) => log(`could not drop ${db.name}: ${err.message}`));
    rmSync(delayFile, { force: true });
  }
}

/** Two bar columns per minute: RSS (scaled to its maximum) and event-loop delay p99. */
function chart(samples) {
  const bar = (v, max, width) => '█'.repeat(max > 0 ? Math.max(v > 0 ? 1 : 0, Math.round((v / max) * width)) : 0).padEnd(width);
  const maxRss = Math.max(...samples.map((r) => r.rssMiB));
  const maxLoop = Math.max(...samples.map((r) => r.loopP99Ms ?? 0));
  const lines = ['min   RSS MiB                                   loop delay p99 ms'];
  for (const r of samples) {
    lines.push(`${String(r.minute).padStart(3)}  ${r.rssMiB.toFixed(0).padStart(4)} ${bar(r.rssMiB, maxRss, 30)}  ${String(r.loopP99Ms ?? '–').padStart(6)} ${bar(r.loopP99Ms ?? 0, maxLoop, 20)}`);
  }
  return lines.join('\n');
}
