import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DATABASE } from './database.tokens.js';
import type { OpenedDatabase } from './data-source.factory.js';

/**
 * An open database transaction, passed between modules as an opaque handle: a service opens
 * it with UnitOfWork.run, hands it to its own repository and to EventBus.publish({ tx }), and
 * the change and its audit record commit or roll back together. Only repositories look inside
 * (managerFor); services and controllers never see TypeORM.
 */
export class Transaction {
  readonly #manager: EntityManager;
  readonly #beforeCommit: Array<() => Promise<unknown>> = [];
  readonly #afterCommit: Array<() => unknown> = [];

  /** @internal created by UnitOfWork only */
  constructor(manager: EntityManager) {
    this.#manager = manager;
  }

  /**
   * Runs fn inside the transaction after the unit's work and all its listeners are done, just
   * before COMMIT; a failure rolls the whole unit back. Audit appends go here so the chain
   * lock they take is held only for the last moments of the transaction.
   */
  beforeCommit(fn: () => Promise<unknown>): void {
    this.#beforeCommit.push(fn);
  }

  /** Runs fn once the transaction has committed (never on rollback): for reactions other instances must see. */
  afterCommit(fn: () => unknown): void {
    this.#afterCommit.push(fn);
  }

  /** @internal */
  static manager(tx: Transaction): EntityManager {
    return tx.#manager;
  }

  /** @internal */
  static async finish(tx: Transaction): Promise<void> {
    // A callback may register another (an append that publishes): run until none is left.
    for (let i = 0; i < tx.#beforeCommit.length; i++) await tx.#beforeCommit[i]!();
  }

  /** @internal */
  static committed(tx: Transaction): Array<() => unknown> {
    return tx.#afterCommit;
  }
}

/** For repositories: the transaction's manager when given one, the data source's otherwise. */
export function managerFor(db: OpenedDatabase, tx?: Transaction): EntityManager {
  return tx ? Transaction.manager(tx) : db.dataSource.manager;
}

/**
 * Opens transactions. Rules: everything done with the handle commits together or not at all;
 * a listener or a before-commit callback that throws rolls the whole unit back; after-commit
 * callbacks run once, after COMMIT, and their failures are logged, never turned into a
 * failure of the committed work.
 * Keep units short and do not use the data source outside the handle inside one: the embedded
 * database has a single connection, which the unit holds.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let tx: Transaction | undefined;
    const result = await this.db.dataSource.transaction('READ COMMITTED', async (manager) => {
      tx = new Transaction(manager);
      const value = await fn(tx);
      await Transaction.finish(tx);
      return value;
    });
    for (const callback of Transaction.committed(tx!)) {
      try {
        await callback();
      } catch (err) {
        this.logger.error({ err }, 'an after-commit callback failed');
      }
    }
    return result;
  }
}
