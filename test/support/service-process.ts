import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the exit; returns the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built service as an operator runs it (`node dist/src/main.js`), with exactly the
 * environment given: nothing of the test runner's environment leaks in but PATH and HOME.
 */
export function spawnService(env: Record<string, string>): { child: ChildProcess; output(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => out, exited };
}

export async function startService(env: Record<string, string>, port?: number): Promise<ServiceProcess> {
  const p = port ?? (await freePort());
  const { child, output, exited } = spawnService({ PORT: String(p), ...env });
  const url = `http://localhost:${p}`;
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(
    `the service on ${url} to be ready`,
    async () => {
      if (dead) throw new Error(`the service exited during start-up:\n${output()}`);
      const res = await fetch(`${url}/health/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    90_000,
  );
  return {
    url,
    port: p,
    child,
    output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
