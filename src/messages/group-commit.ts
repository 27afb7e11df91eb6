/**
 * Group commit: sends that arrive while a transaction is running wait and go together
 * in the next one, so the cost of a commit (an fsync on PostgreSQL, a dozen WAL pages on
 * SQLite) is shared by a batch instead of paid per message. An idle queue starts its
 * batch after `gatherMs` (once every socket read of that turn has queued its sends, with
 * 0): on a lightly loaded server sends arrive a millisecond or so apart and would
 * otherwise each commit alone; under load the batches form while the previous ones run,
 * and nothing waits on the timer.
 *
 * Where the storage commits batches in the order they were handed over (a writer thread
 * working through its queue), two batches may be in flight: the next one is stored while
 * this thread fans out the previous one, instead of the two taking turns.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Entry<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  private queue: Entry<T, R>[] = [];
  private running = false;
  private scheduled = false;
  /** The last batch handed over that may overlap the next one, while it runs. */
  private overlapping: Promise<void> | undefined;

  constructor(
    /** Runs one batch; returns one outcome per item, in order, or throws for them all. */
    private readonly runBatch: (items: T[]) => Promise<Outcome<R>[]>,
    private readonly maxBatch = 512,
    /** True for a batch that may be stored while the previous one still is. */
    private readonly mayOverlap: (items: T[]) => boolean = () => false,
    /** How long an idle queue gathers sends before its first batch starts. */
    private readonly gatherMs = 0,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        const start = () => {
          this.scheduled = false;
          void this.drain();
        };
        if (this.gatherMs > 0) setTimeout(start, this.gatherMs);
        else setImmediate(start);
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        const items = batch.map((entry) => entry.item);
        const previous = this.overlapping;
        if (!this.mayOverlap(items)) {
          if (previous) await previous;
          await this.settle(batch, items);
          continue;
        }
        const running = this.settle(batch, items);
        const tracked = running.finally(() => {
          if (this.overlapping === tracked) this.overlapping = undefined;
        });
        this.overlapping = tracked;
        // At most two in flight: the older one must finish before another is taken.
        if (previous) await previous;
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs a batch and answers each of its items; never throws. */
  private async settle(batch: Entry<T, R>[], items: T[]): Promise<void> {
    try {
      const outcomes = await this.runBatch(items);
      batch.forEach((entry, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) entry.resolve(outcome.value);
        else entry.reject(outcome ? outcome.error : new Error("no outcome for a batched item"));
      });
    } catch (err) {
      for (const entry of batch) entry.reject(err);
    }
  }
}
