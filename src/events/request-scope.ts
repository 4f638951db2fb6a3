import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a request came from, copied onto every event published while handling it. */
export interface EventOrigin {
  ip?: string;
  userAgent?: string;
  /** The public session id (`sid`), never a session cookie value. */
  sessionId?: string;
}

/**
 * Collects the event deliveries started while one request is handled, so the response can
 * wait for them. Listeners whose failure must fail the response (audit) report it with
 * `fail`; other listener failures stay with the publisher, as they always do.
 */
export class DeliveryBarrier {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: unknown[] = [];

  track(delivery: Promise<unknown>): void {
    const settled = delivery.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  fail(reason: unknown): void {
    this.failures.push(reason);
  }

  /** Waits until no delivery is pending (a listener may start another), then returns the failures. */
  async settle(): Promise<unknown[]> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    return [...this.failures];
  }
}

export interface RequestScope {
  requestId?: string;
  origin: EventOrigin;
  barrier?: DeliveryBarrier;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs fn with scope as the current request scope (origin, request id, delivery barrier). */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
