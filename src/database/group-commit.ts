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
   * When a write of several items fails with an error for which this is true (the database
   * refused one item's data, say), each item is written again alone, so one bad item does not
   * fail the others. Other errors (the database is unreachable) fail the whole batch at once.
   */
  retryAlone?: (err: unknown) => boolean;
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
      this.running ??= this.run().finally(() => (this.running = undefined));
    });
  }

  /** Settles once every item handed in so far has been written or has failed. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        const results = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        if (batch.length > 1 && this.options.retryAlone?.(err)) {
          for (const w of batch) {
            await this.write([w.item]).then(([result]) => w.resolve(result!), w.reject);
          }
        } else {
          for (const w of batch) w.reject(err);
        }
      }
    }
  }
}
