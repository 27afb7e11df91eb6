/**
 * Admission of sockets during a reconnect storm: after a restart every client comes back
 * within seconds, and each opening socket costs a token check, a session read, its
 * memberships and the replay of what it missed. Opened all at once, they would hold
 * that memory together and starve the sockets already open. So a node sets up at most
 * `max` sockets at a time; one past that is told to come back later (close code 1013
 * with `retry_after_ms=<n>` in the reason, which the SDK obeys; see
 * protocol/close-codes.ts), after a delay spread at
 * random over a window that grows with how many were turned away lately, so that the
 * returning clients arrive spread out instead of as a second wave.
 */

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** How many things happened in the last one to two seconds: this second's and the last's. */
class RecentCount {
  private now = 0;
  private before = 0;
  private windowStart = 0;

  add(at: number): void {
    this.roll(at);
    this.now += 1;
  }

  total(at: number): number {
    this.roll(at);
    return this.now + this.before;
  }

  private roll(at: number): void {
    if (at - this.windowStart < 1000) return;
    this.before = at - this.windowStart >= 2000 ? 0 : this.now;
    this.now = 0;
    this.windowStart = at;
  }
}

export class SocketAdmission {
  private opening = 0;
  private readonly refusals = new RecentCount();
  private readonly setUps = new RecentCount();

  constructor(
    /** Sockets set up at once, at most. */
    private readonly max: number,
  ) {}

  /** How many sockets are being set up now. */
  get inProgress(): number {
    return this.opening;
  }

  /**
   * A slot to set a socket up in, with the function that gives it back (once, however
   * often it is called), or, when the node is full, the delay to tell the socket.
   */
  enter(now = Date.now()): { release: (at?: number) => void } | { retryAfterMs: number } {
    if (this.opening < this.max) {
      this.opening += 1;
      let released = false;
      return {
        release: (at = Date.now()) => {
          if (released) return;
          released = true;
          this.opening -= 1;
          this.setUps.add(at);
        },
      };
    }
    return { retryAfterMs: this.refused(now) };
  }

  /**
   * The delay for one more refused socket: random within a window long enough for the
   * node to set up everyone refused in the last seconds, at the pace it has been setting
   * sockets up (at least `max` a second).
   */
  private refused(now: number): number {
    this.refusals.add(now);
    const pace = Math.max(this.max, this.setUps.total(now) / 2);
    const window = Math.min(MAX_DELAY_MS, (this.refusals.total(now) / pace) * 1000);
    return Math.round(MIN_DELAY_MS + Math.random() * Math.max(0, window - MIN_DELAY_MS));
  }
}
