import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATABASE } from './database.tokens.js';
import type { OpenedDatabase } from './data-source.factory.js';

/**
 * Cluster-wide mutual exclusion for jobs (rotation, cleanup, migrations).
 * Rules: on PostgreSQL a session-level advisory lock held on a dedicated connection, so
 * exactly one instance runs the job; on the embedded database (one process, one connection)
 * an in-process queue, because a dedicated connection would starve the job itself.
 */
const logger = new Logger('AdvisoryLock');

@Injectable()
export class AdvisoryLockService {
  private readonly local = new Map<string, Promise<unknown>>();

  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  /** Waits for the lock, then runs fn (cluster-wide on PostgreSQL). */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.db.kind === 'embedded') {
      const previous = this.local.get(name) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(fn);
      this.local.set(name, run);
      try {
        return await run;
      } finally {
        if (this.local.get(name) === run) this.local.delete(name);
      }
    }
    return withPgLock(this.db.dataSource, name, fn);
  }

  /** Runs fn if no other holder has the lock; returns `{ ran: false }` otherwise. */
  async tryWithLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
    if (this.db.kind === 'embedded') {
      if (this.local.has(name)) return { ran: false };
      const run = fn();
      this.local.set(name, run);
      try {
        return { ran: true, result: await run };
      } finally {
        this.local.delete(name);
      }
    }
    return tryWithPgLock(this.db.dataSource, name, fn);
  }
}

export function lockKey(name: string): string {
  // 63-bit key from the name: stable across instances and versions.
  return BigInt.asIntN(64, BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 16))).toString();
}

/**
 * Runs fn holding the session lock `name` on a connection of its own, if no other session
 * holds it. Rules: the lock lives exactly as long as that connection; if the connection is
 * lost while fn runs (failover, reset), PostgreSQL has already released the lock, so this
 * logs that the work was not exclusive, and the next call takes the lock again on a fresh
 * connection (jobs call this every tick, so a holder re-acquires once the database is back).
 */
export async function tryWithPgLock<T>(
  dataSource: DataSource,
  name: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const held = await holdLock(dataSource, name);
  if (!held) return { ran: false };
  try {
    return { ran: true, result: await fn() };
  } finally {
    await held.release();
  }
}

/**
 * Waits until the lock is free, then runs fn (migrations at start-up, key changes). The wait
 * polls pg_try_advisory_lock rather than blocking in pg_advisory_lock: no statement runs
 * longer than statement_timeout, and a wait never pins a connection the holder may need.
 */
export async function withPgLock<T>(dataSource: DataSource, name: string, fn: () => Promise<T>): Promise<T> {
  let held = await holdLock(dataSource, name);
  for (let delay = 20; !held; delay = Math.min(delay * 2, 250)) {
    await new Promise((r) => setTimeout(r, delay));
    held = await holdLock(dataSource, name);
  }
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

interface HeldLock {
  release(): Promise<void>;
}

async function holdLock(dataSource: DataSource, name: string): Promise<HeldLock | undefined> {
  const runner = dataSource.createQueryRunner();
  const connection = (await runner.connect()) as {
    once(event: 'error', fn: (err: Error) => void): void;
    removeListener(event: 'error', fn: (err: Error) => void): void;
  };
  let lost: Error | undefined;
  const onError = (err: Error) => (lost = err);
  connection.once('error', onError);
  // The pooled connection outlives this attempt: its listener must not (one per retry would pile up).
  const forget = () => connection.removeListener('error', onError);
  try {
    const [row] = await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey(name)]);
    if (!row?.locked) {
      forget();
      await runner.release();
      return undefined;
    }
  } catch (err) {
    forget();
    await runner.release();
    throw err;
  }
  return {
    async release() {
      forget();
      if (lost) logger.warn(`the connection holding lock ${name} was lost while its work ran (${lost.message}); the lock will be taken again on the next run`);
      else {
        try {
          await runner.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]);
        } catch (err) {
          // The lock may still be held by this session: the connection must not go back to the
          // pool, where it would keep the lock forever. Discarding it ends the session and the lock.
          await (runner as unknown as { releasePostgresConnection(err: Error): Promise<void> }).releasePostgresConnection(err as Error);
          return;
        }
      }
      await runner.release();
    },
  };
}
