/**
 * Group commit: sends that arrive while a transaction is running wait and go together
 * in the next one, so the cost of a commit (an fsync on PostgreSQL) is shared by a batch
 * instead of paid per message. Nothing waits on a timer: an idle queue starts its batch
 * in the same turn of the event loop, once every socket read of that turn has queued its
 * sends (a synchronous engine like SQLite would otherwise commit one message at a time).
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    /** Runs one batch; returns one outcome per item, in order, or throws for them all. */
    private readonly runBatch: (items: T[]) => Promise<Outcome<R>[]>,
    private readonly maxBatch = 512,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.runBatch(batch.map((entry) => entry.item));
          batch.forEach((entry, i) => {
            const outcome = outcomes[i];
            if (outcome?.ok) entry.resolve(outcome.value);
            else entry.reject(outcome ? outcome.error : new Error("no outcome for a batched item"));
          });
        } catch (err) {
          for (const entry of batch) entry.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
