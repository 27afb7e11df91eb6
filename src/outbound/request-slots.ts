/**
 * Request slots, per origin and in all, as many as the outbound agent keeps connections:
 * a request waits here, with no timer running, until a connection is free for it. Left
 * to the agent, it waited in the agent's queue with its timers running: under a slow
 * push service it timed out there, was sent again later, and the dead request stayed in
 * the agent's queue, which grew by tens of thousands of requests.
 */
export class RequestSlots {
  private readonly busy = new Map<string, number>();
  private total = 0;
  private readonly waiting: { origin: string; start: () => void }[] = [];

  constructor(
    private readonly perOrigin: number,
    private readonly max: number,
  ) {}

  /** Resolves when a slot for `origin` is taken; the function it gives frees it (once). */
  acquire(origin: string): Promise<() => void> {
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.release(origin);
    };
    if (this.hasRoom(origin)) {
      this.take(origin);
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push({ origin, start: () => resolve(free) }));
  }

  private hasRoom(origin: string): boolean {
    return this.total < this.max && (this.busy.get(origin) ?? 0) < this.perOrigin;
  }

  private take(origin: string): void {
    this.total++;
    this.busy.set(origin, (this.busy.get(origin) ?? 0) + 1);
  }

  private release(origin: string): void {
    this.total--;
    const left = (this.busy.get(origin) ?? 1) - 1;
    if (left === 0) this.busy.delete(origin);
    else this.busy.set(origin, left);
    // The longest-waiting request that now has room goes next.
    const next = this.waiting.findIndex((w) => this.hasRoom(w.origin));
    if (next < 0) return;
    const [waiter] = this.waiting.splice(next, 1);
    if (!waiter) return;
    this.take(waiter.origin);
    waiter.start();
  }
}
