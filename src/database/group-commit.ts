/**
 * Group commit: items handed in while a write is in flight wait and go together in the next
 * one, so N concurrent callers cost one transaction instead of N. No timer, no added latency:
 * an item arriving at an idle committer is written at once. Each caller's promise settles only
 * when the write holding its item has committed (or failed), so durability is unchanged.
 * One write is in flight at a time (the writes serialise on a lock in the database anyway).
 */
export interface GroupCommitOptions {
  /** Most items per write. */
  maxBatch: number;
  /**
   * When a write of several items fails with an error for which this is true, the whole batch
   * fails at once (the database is unreachable: writing each item again would only wait N
   * times for the same failure). For any other error each item is written again alone, so one
   * item the database refuses cannot fail the others of its batch.
   */
  failsEveryItem?: (err: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private queue: Array<Waiting<T, R>> = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) this.running = this.run();
    });
  }

  /** Settles once every item handed in so far has been written or has failed. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        try {
          const results = await this.write(batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          if (batch.length === 1 || this.options.failsEveryItem?.(err)) {
            for (const w of batch) w.reject(err);
            continue;
          }
          for (const w of batch) {
            await this.write([w.item]).then(([result]) => w.resolve(result!), w.reject);
          }
        }
      }
    } finally {
      // Cleared in the same synchronous step that saw the queue empty: an item added by a
      // caller resumed by the last resolve then starts a new run instead of waiting forever.
      this.running = undefined;
    }
  }
}
