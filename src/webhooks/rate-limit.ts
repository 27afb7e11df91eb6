/**
 * The per-hook rate limit: a token bucket per hook, in this process. With several nodes
 * behind a load balancer each node keeps its own buckets, so a hook may post up to
 * (nodes × the rate); one hook cannot flood a conversation either way.
 */
import { AppError } from "../errors.js";
import { TokenBucket } from "../realtime/token-bucket.js";

/** Buckets idle this long are full again: dropping them forgets nothing. */
const IDLE_MS = 10 * 60_000;

export class HookRateLimit {
  private readonly buckets = new Map<string, { bucket: TokenBucket; usedAt: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Spends one request of the hook's budget, or throws rate_limited. */
  take(hookId: string, now = Date.now()): void {
    if (this.buckets.size > 10_000) this.sweep(now);
    let entry = this.buckets.get(hookId);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.burst, this.perSecond, now), usedAt: now };
      this.buckets.set(hookId, entry);
    }
    entry.usedAt = now;
    if (!entry.bucket.take(now))
      throw new AppError(
        "rate_limited",
        `this webhook takes at most ${this.burst} messages at once, then ${this.perSecond} a second`,
        undefined,
        Math.max(1, Math.ceil(1 / this.perSecond)),
      );
  }

  forget(hookId: string): void {
    this.buckets.delete(hookId);
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.buckets)
      if (now - entry.usedAt > IDLE_MS) this.buckets.delete(id);
  }
}
