import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort, waitFor } from '../../support/ports.js';

/**
 * A Redis server the test owns, on a free port of its own (never the machine's 6379), without
 * persistence: it can be killed with SIGKILL (its counters are lost, as in a real crash) and
 * started again on the same port.
 */
export interface OwnRedis {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open and answers nothing (a stalled host, a swapping VM). */
  pause(): void;
  /** SIGCONT: it answers again, queued commands first. */
  resume(): void;
  destroy(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitFor(`own Redis on ${port}`, async () => ((await ping(port)) ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output.slice(-2000)}`);
    });
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  const signal = (name: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  const destroy = async () => {
    signal('SIGCONT'); // a stopped process does not die of SIGKILL until continued on every kernel
    await kill();
  };
  return { url: `redis://127.0.0.1:${port}`, kill, start, pause: () => signal('SIGSTOP'), resume: () => signal('SIGCONT'), destroy };
}

/** True when a Redis on the port answers PING. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d;
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}
