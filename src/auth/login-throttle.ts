/**
 * Locks out sign-in for a username or a client address after too many failures within a
 * window, even for the right password, until the window passes. Counters live in memory
 * here; a cluster swaps in a shared implementation of AttemptCounter.
 */
import { AppError } from "../errors.js";

export const AUTH_WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED_KEYS = 100_000;

export interface AttemptCounter {
  /** Failures recorded for `key` within the window, and when the oldest of them expires. */
  failures(key: string, now: number): Promise<{ count: number; resetAt: number }>;
  recordFailure(key: string, now: number): Promise<void>;
  reset(key: string): Promise<void>;
}

export class MemoryAttemptCounter implements AttemptCounter {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly windowMs = AUTH_WINDOW_MS) {}

  private live(key: string, now: number): number[] {
    const times = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.attempts.delete(key);
    else this.attempts.set(key, times);
    return times;
  }

  async failures(key: string, now: number) {
    const times = this.live(key, now);
    return { count: times.length, resetAt: (times[0] ?? now) + this.windowMs };
  }

  async recordFailure(key: string, now: number) {
    const times = this.live(key, now);
    times.push(now);
    // Re-inserting keeps Map order by last failure, so the stalest keys go first.
    this.attempts.delete(key);
    this.attempts.set(key, times.slice(-64));
    if (this.attempts.size > MAX_TRACKED_KEYS) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
  }

  async reset(key: string) {
    this.attempts.delete(key);
  }
}

export class LoginThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    private readonly maxAttempts: number,
    private readonly enabled: boolean,
  ) {}

  private keys(username: string, ip: string): string[] {
    return [`user:${username.toLowerCase()}`, `ip:${ip}`];
  }

  /** Throws `too_many_auth_attempts` while either key is locked out. */
  async check(username: string, ip: string, now: number): Promise<void> {
    if (!this.enabled) return;
    for (const key of this.keys(username, ip)) {
      const { count, resetAt } = await this.counter.failures(key, now);
      if (count >= this.maxAttempts) {
        const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
        throw new AppError(
          "too_many_auth_attempts",
          `too many failed sign-ins; try again in ${retryAfter} s`,
          undefined,
          retryAfter,
        );
      }
    }
  }

  async recordFailure(username: string, ip: string, now: number): Promise<void> {
    if (!this.enabled) return;
    for (const key of this.keys(username, ip)) await this.counter.recordFailure(key, now);
  }

  /** A successful sign-in clears the username's count; the address's count stays. */
  async recordSuccess(username: string): Promise<void> {
    if (!this.enabled) return;
    await this.counter.reset(`user:${username.toLowerCase()}`);
  }
}
