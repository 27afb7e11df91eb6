/**
 * Admission of sockets during a reconnect storm: after a restart every client comes back
 * within seconds, and each opening socket costs a token check, a session read, its
 * memberships and the replay of what it missed. Set up all at once, they would hold
 * that memory together and starve the sockets already open. So a node sets up at most
 * `max` sockets at a time, and the handshakes past that wait in line (a waiting
 * handshake holds only its TCP connection and headers). A handshake that would wait too
 * long, or find the line full, is told to come back later instead (close code 1013 with
 * `retry_after_ms=<n>` in the reason, which the SDK obeys; see protocol/close-codes.ts),
 * after a delay spread at random over a window that grows with how many were turned away
 * lately, so that the returning clients arrive spread out instead of as a second wave.
 */

const MIN_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** The longest a handshake waits in line before it is told to come back later. */
const MAX_WAIT_MS = 10_000;
/** Handshakes waiting in line, per socket set up at once. */
const WAITING_PER_SLOT = 64;

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

/** A slot to set a socket up in; `release` gives it back (once, however often called). */
export interface AdmissionSlot {
  release(at?: number): void;
}

export type Admission = AdmissionSlot | { retryAfterMs: number };

interface Waiter {
  admit: (answer: Admission) => void;
  timer: NodeJS.Timeout;
}

export class SocketAdmission {
  private opening = 0;
  private readonly line: Waiter[] = [];
  private readonly refusals = new RecentCount();
  private readonly setUps = new RecentCount();

  constructor(
    /** Sockets set up at once, at most. */
    private readonly max: number,
    private readonly maxWaitMs = MAX_WAIT_MS,
    private readonly maxWaiting = max * WAITING_PER_SLOT,
  ) {}

  /** How many sockets are being set up now, and how many handshakes wait. */
  get state(): { opening: number; waiting: number } {
    return { opening: this.opening, waiting: this.line.length };
  }

  /** A slot, at once or after waiting in line; or, past the line, the delay to tell. */
  enter(now = Date.now()): Promise<Admission> {
    if (this.opening < this.max) return Promise.resolve(this.slot());
    if (this.line.length >= this.maxWaiting)
      return Promise.resolve({ retryAfterMs: this.refused(now) });
    return new Promise((admit) => {
      const waiter: Waiter = {
        admit,
        timer: setTimeout(() => {
          const at = this.line.indexOf(waiter);
          if (at >= 0) this.line.splice(at, 1);
          admit({ retryAfterMs: this.refused(Date.now()) });
        }, this.maxWaitMs),
      };
      waiter.timer.unref();
      this.line.push(waiter);
    });
  }

  private slot(): AdmissionSlot {
    this.opening += 1;
    let released = false;
    return {
      release: (at = Date.now()) => {
        if (released) return;
        released = true;
        this.opening -= 1;
        this.setUps.add(at);
        const next = this.line.shift();
        if (next) {
          clearTimeout(next.timer);
          next.admit(this.slot());
        }
      },
    };
  }

  /**
   * The delay for one more refused handshake: random within a window long enough for the
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
