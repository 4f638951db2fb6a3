import { createServer } from 'node:net';
import type { Logger } from '@nestjs/common';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { JobTicks } from './scheduled-job.js';

/** What an operator's log would show: level, message, and whether a stack came with it. */
function recordingLogger() {
  const lines: Array<{ level: string; message: string; stack: boolean }> = [];
  const at =
    (level: string) =>
    (fields: unknown, message?: string): void => {
      const err = (fields as { err?: { stack?: string } } | undefined)?.err;
      lines.push({ level, message: String(message ?? fields), stack: Boolean(err?.stack) });
    };
  return { lines, logger: { log: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

/** A port nothing listens on: a real connection attempt there is refused (ECONNREFUSED). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a scheduled job during a database outage', () => {
  it('logs one warning without a stack for the outage, nothing on the ticks during it, and one info line when it works again', async () => {
    const port = await closedPort();
    const { lines, logger } = recordingLogger();
    const ticks = new JobTicks(logger, 'the periodic audit checkpoint');
    const unreachable = async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' });
      await client.connect();
    };

    for (let i = 0; i < 5; i++) await ticks.run(unreachable);
    expect(lines).toEqual([{ level: 'warn', message: expect.stringContaining('the database is unavailable'), stack: false }]);

    expect(await ticks.run(async () => 7, 0)).toBe(7);
    expect(lines.slice(1)).toEqual([{ level: 'info', message: expect.stringContaining('works again'), stack: false }]);

    // A second outage is reported again; a tick that works while nothing was wrong logs nothing.
    await ticks.run(unreachable);
    await ticks.run(unreachable);
    await ticks.run(async () => undefined);
    await ticks.run(async () => undefined);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn', 'info']);
  });

  it('logs any other failure with its stack on every tick, and answers the fallback', async () => {
    const { lines, logger } = recordingLogger();
    const ticks = new JobTicks(logger, 'idempotency record cleanup');
    const bug = async (): Promise<number> => {
      throw new TypeError('cannot read properties of undefined');
    };
    expect(await ticks.run(bug, 0)).toBe(0);
    expect(await ticks.run(bug, 0)).toBe(0);
    expect(lines).toEqual([
      { level: 'error', message: expect.stringContaining('failed'), stack: true },
      { level: 'error', message: expect.stringContaining('failed'), stack: true },
    ]);
  });
});
