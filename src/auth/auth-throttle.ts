/**
 * Locks out an action that checks a secret (signing in, changing a password, redeeming an
 * invite) for a username or a client address after too many failures within a window,
 * even for the right secret, until the window passes. Counters live in memory here; a
 * cluster swaps in a shared implementation of AttemptCounter.
 */
import { AppError } from "../errors.js";

export const AUTH_WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED_KEYS = 100_000;

export interface AttemptCounter {
  /**
   * Failures recorded for `key` within the window, counted up to `limit`, and when the
   * count next drops below `limit` (the moment a lockout at `limit` ends).
   */
  failures(key: string, now: number, limit: number): Promise<{ count: number; resetAt: number }>;
  /** Records a failure, keeping at most the newest `limit` of them. */
  recordFailure(key: string, now: number, limit: number): Promise<void>;
  reset(key: string): Promise<void>;
}

/**
 * Keeping the newest `limit` failure times is exact for a lockout at `limit`: the count is
 * at least `limit` exactly when all of them are inside the window, and the lockout ends
 * when the oldest of them leaves it. Memory stays bounded by the limit, whatever it is.
 */
export class MemoryAttemptCounter implements AttemptCounter {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly windowMs = AUTH_WINDOW_MS) {}

  private live(key: string, now: number): number[] {
    const times = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.attempts.delete(key);
    else this.attempts.set(key, times);
    return times;
  }

  async failures(key: string, now: number, limit: number) {
    const times = this.live(key, now);
    const count = Math.min(times.length, limit);
    const oldestCounted = times[times.length - count] ?? now;
    return { count, resetAt: oldestCounted + this.windowMs };
  }

  async recordFailure(key: string, now: number, limit: number) {
    const times = this.live(key, now);
    times.push(now);
    // Re-inserting keeps Map order by last failure, so the stalest keys go first.
    this.attempts.delete(key);
    this.attempts.set(key, times.slice(-limit));
    if (this.attempts.size > MAX_TRACKED_KEYS) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
  }

  async reset(key: string) {
    this.attempts.delete(key);
  }
}

/** What a throttle guards: its own counter keys and the words of its refusal. */
export interface ThrottleScope {
  /** Put before `user:` and `ip:` in counter keys; "" for sign-in (its historic keys). */
  keyPrefix: string;
  /** Plural noun for the refusal message, e.g. "failed sign-ins". */
  failures: string;
}

export const SIGN_IN_SCOPE: ThrottleScope = { keyPrefix: "", failures: "failed sign-ins" };
export const REGISTRATION_SCOPE: ThrottleScope = {
  keyPrefix: "register:",
  failures: "failed registrations",
};

export class AuthThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    private readonly maxAttempts: number,
    private readonly enabled: boolean,
    private readonly scope: ThrottleScope = SIGN_IN_SCOPE,
  ) {}

  private userKey(username: string): string {
    return `${this.scope.keyPrefix}user:${username.toLowerCase()}`;
  }

  private keys(username: string, ip: string): string[] {
    return [this.userKey(username), `${this.scope.keyPrefix}ip:${ip}`];
  }

  /** Throws `too_many_auth_attempts` (429, with Retry-After) while either key is locked out. */
  async check(username: string, ip: string, now: number): Promise<void> {
    if (!this.enabled) return;
    for (const key of this.keys(username, ip)) {
      const { count, resetAt } = await this.counter.failures(key, now, this.maxAttempts);
      if (count >= this.maxAttempts) {
        const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
        throw new AppError(
          "too_many_auth_attempts",
          `too many ${this.scope.failures}; try again in ${retryAfter} s`,
          undefined,
          retryAfter,
        );
      }
    }
  }

  async recordFailure(username: string, ip: string, now: number): Promise<void> {
    if (!this.enabled) return;
    for (const key of this.keys(username, ip)) {
      await this.counter.recordFailure(key, now, this.maxAttempts);
    }
  }

  /** A success clears the username's count; the address's count stays. */
  async recordSuccess(username: string): Promise<void> {
    if (!this.enabled) return;
    await this.counter.reset(this.userKey(username));
  }
}
