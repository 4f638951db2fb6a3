import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATABASE } from './database.tokens.js';
import type { OpenedDatabase } from './data-source.factory.js';

/**
 * Cluster-wide mutual exclusion for jobs (rotation, cleanup, migrations).
 * Rules: on PostgreSQL a session-level advisory lock held on a dedicated connection, so
 * exactly one instance runs the job; on the embedded database (one process, one connection)
 * an in-process queue, because a dedicated connection would starve the job itself.
 */
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

export async function tryWithPgLock<T>(
  dataSource: DataSource,
  name: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey(name)]);
    if (!row?.locked) return { ran: false };
    try {
      return { ran: true, result: await fn() };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/** Blocks until the lock is free (used for migrations at start-up). */
export async function withPgLock<T>(dataSource: DataSource, name: string, fn: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(name)]);
    try {
      return await fn();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(name)]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
