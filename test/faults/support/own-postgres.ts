import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from '../../support/ports.js';

/**
 * A PostgreSQL cluster the test owns: initdb into a temporary folder, its own port, run as the
 * `postgres` user (initdb and postgres refuse root). The machine's shared server is never touched;
 * this one may be killed (SIGKILL, as a crashed or fenced primary) and started again on the same data.
 */
export interface OwnPostgres {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

const asPostgres = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'caduceus-faults-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) spawnSync('chown', ['postgres', dir]);
  const [cmd, args] = asPostgres(join(binDir(), 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const init = spawnSync(cmd, args, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const spawnServer = () => {
    const [c, a] = asPostgres(join(binDir(), 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
    child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
  };
  const start = async () => {
    spawnServer();
    await waitFor(`own PostgreSQL on ${port}`, async () => {
      // Backends of a killed postmaster hold its shared memory until they notice: start again until it takes.
      if (child!.exitCode !== null) spawnServer();
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output.slice(-2000)}`);
    });
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async kill() {
      if (!child || child.exitCode !== null) return;
      // SIGKILL to the postmaster found by port: runuser's child is the server itself.
      const exited = once(child, 'exit');
      const pid = spawnSync('sh', ['-c', `head -1 ${join(data, 'postmaster.pid')}`], { encoding: 'utf8' }).stdout.trim();
      if (pid) process.kill(Number(pid), 'SIGKILL');
      await exited;
    },
    start,
    async destroy() {
      // Signals go to the postmaster itself (from its pid file): runuser does not pass them on.
      if (child && child.exitCode === null) {
        const exited = once(child, 'exit');
        const pid = spawnSync('sh', ['-c', `head -1 ${join(data, 'postmaster.pid')}`], { encoding: 'utf8' }).stdout.trim();
        if (pid) process.kill(Number(pid), 'SIGKILL');
        else child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
