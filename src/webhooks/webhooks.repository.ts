import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, managerFor, type OpenedDatabase, type Transaction } from '../database/index.js';

export interface StoredSubscription {
  id: string;
  url: string;
  eventTypes: string[];
  sealedSecret: string;
  description: string | null;
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What an update may change (the secret only through rotation). */
export type SubscriptionChanges = Partial<Pick<StoredSubscription, 'url' | 'eventTypes' | 'description' | 'enabled' | 'sealedSecret'>>;

const CHANGE_COLUMNS: Record<keyof SubscriptionChanges, string> = {
  url: 'url',
  eventTypes: 'event_types',
  description: 'description',
  enabled: 'enabled',
  sealedSecret: 'sealed_secret',
};

export interface StoredDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventName: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const SUB_COLUMNS = `id, url, event_types AS "eventTypes", sealed_secret AS "sealedSecret", description, enabled, version,
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY_COLUMNS = `id, subscription_id AS "subscriptionId", event_id AS "eventId", event_name AS "eventName", body, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_status AS "lastStatus", last_error AS "lastError", created_at AS "createdAt", delivered_at AS "deliveredAt"`;

/** Subscriptions and the delivery outbox (raw SQL: two small tables, no entity graph). */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(DATABASE) private readonly db: OpenedDatabase) {}

  async insertSubscription(s: StoredSubscription, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO webhook_subscriptions (id, url, event_types, sealed_secret, description, enabled, version, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [s.id, s.url, s.eventTypes, s.sealedSecret, s.description, s.enabled, s.version, s.createdAt, s.updatedAt],
    );
  }

  async listSubscriptions(): Promise<StoredSubscription[]> {
    return this.db.dataSource.query(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`);
  }

  async findSubscription(id: string): Promise<StoredSubscription | null> {
    const rows = await this.db.dataSource.query(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Compare-and-swap: changes the row only when its version is one of `expectedVersions`
   * (any version when undefined) and bumps it. Returns the new row, `stale` with the current
   * version when the row changed since it was read, or null when there is no such row.
   */
  async updateSubscription(
    id: string,
    changes: SubscriptionChanges,
    expectedVersions: number[] | undefined,
    at: Date,
    tx?: Transaction,
  ): Promise<StoredSubscription | { stale: number } | null> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined) as Array<[keyof SubscriptionChanges, unknown]>;
    const sets = entries.map(([k], i) => `${CHANGE_COLUMNS[k]} = $${i + 4}`);
    const manager = managerFor(this.db, tx);
    const rows = await manager.query(
      `UPDATE webhook_subscriptions SET ${[...sets, 'version = version + 1', 'updated_at = $3'].join(', ')}
       WHERE id = $1 AND ($2::int[] IS NULL OR version = ANY($2::int[])) RETURNING ${SUB_COLUMNS}`,
      [id, expectedVersions ?? null, at, ...entries.map(([, v]) => v)],
    );
    // TypeORM's postgres driver returns [rows, count] for UPDATE ... RETURNING.
    const updated = (Array.isArray(rows[0]) ? rows[0][0] : rows[0]) as StoredSubscription | undefined;
    if (updated) return updated;
    const current = await manager.query(`SELECT version FROM webhook_subscriptions WHERE id = $1`, [id]);
    return current[0] ? { stale: current[0].version as number } : null;
  }

  async deleteSubscription(id: string, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(`DELETE FROM webhook_subscriptions WHERE id = $1`, [id]);
  }

  async subscribersOf(eventName: string, tx?: Transaction): Promise<StoredSubscription[]> {
    return managerFor(this.db, tx).query(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions WHERE enabled AND $1 = ANY(event_types)`, [eventName]);
  }

  /** Idempotent per (subscription, event): a re-delivered bus event does not queue twice. */
  async enqueue(d: Pick<StoredDelivery, 'id' | 'subscriptionId' | 'eventId' | 'eventName' | 'body' | 'createdAt'>, tx?: Transaction): Promise<void> {
    await managerFor(this.db, tx).query(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_name, body, status, attempts, next_attempt_at, created_at)
       VALUES ($1,$2,$3,$4,$5,'pending',0,$6,$6) ON CONFLICT (subscription_id, event_id) DO NOTHING`,
      [d.id, d.subscriptionId, d.eventId, d.eventName, d.body, d.createdAt],
    );
  }

  async due(now: Date, limit: number): Promise<StoredDelivery[]> {
    return this.db.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    );
  }

  async markDelivered(id: string, attempts: number, status: number, at: Date): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = $4 WHERE id = $1`,
      [id, attempts, status, at],
    );
  }

  async markFailedAttempt(id: string, attempts: number, status: number | null, error: string, nextAt: Date | null): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE webhook_deliveries SET status = $5, attempts = $2, last_status = $3, last_error = $4, next_attempt_at = COALESCE($6, next_attempt_at) WHERE id = $1`,
      [id, attempts, status, error.slice(0, 500), nextAt ? 'pending' : 'failed', nextAt],
    );
  }

  async deliveriesOf(subscriptionId: string, limit: number): Promise<StoredDelivery[]> {
    return this.db.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [subscriptionId, limit],
    );
  }
}
