/**
 * The loop of a queue worker: a cycle runs when something wakes it (work was queued) or
 * after `idleMs` without one (work queued on another node, retries coming due). Wakes
 * that come while a cycle runs make one more cycle, not one each; with `minGapMs`,
 * cycles start at most that often, so a burst of wakes becomes a few batches.
 */
export class WakeLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastStart = 0;
  stopped = true;

  constructor(
    private readonly cycle: () => Promise<void>,
    private readonly idleMs: number,
    private readonly minGapMs = 0,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    const wait = this.lastStart + this.minGapMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.wake(), wait);
      this.timer.unref();
      return;
    }
    this.lastStart = Date.now();
    this.running = this.cycle().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.idleMs);
        this.timer.unref();
      }
    });
  }

  /** Called from a cycle that left work behind: the next cycle follows at once. */
  runAgain(): void {
    this.again = true;
  }

  /** Stops waking; resolves once a cycle under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
