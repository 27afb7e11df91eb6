/**
 * Failure counts of the auth throttles kept in Redis, so a lockout holds across every
 * node of a cluster. Each key is a sorted set of failure times, trimmed to the window and
 * to the newest `limit` entries (which is all a lockout at `limit` needs to know).
 */
import type { Redis } from "ioredis";
import { type AttemptCounter, AUTH_WINDOW_MS, MemoryAttemptCounter } from "./auth-throttle.js";

export class RedisAttemptCounter implements AttemptCounter {
  // While Redis is away, this node counts on its own: the lockout weakens to per node
  // rather than letting every sign-in fail.
  private readonly fallback: MemoryAttemptCounter;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs = AUTH_WINDOW_MS,
  ) {
    this.fallback = new MemoryAttemptCounter(windowMs);
  }

  async failures(key: string, now: number, limit: number) {
    try {
      return await this.sharedFailures(key, now, limit);
    } catch {
      return this.fallback.failures(key, now, limit);
    }
  }

  async recordFailure(key: string, now: number, limit: number) {
    await this.fallback.recordFailure(key, now, limit);
    await this.sharedRecordFailure(key, now, limit).catch(() => {});
  }

  async reset(key: string) {
    await this.fallback.reset(key);
    await this.redis.del(this.key(key)).catch(() => {});
  }

  private key(key: string): string {
    return `${this.prefix}auth:${key}`;
  }

  private async sharedFailures(key: string, now: number, limit: number) {
    const redisKey = this.key(key);
    // The entry `limit` places from the newest is the one whose expiry ends a lockout;
    // with fewer entries than that the range is empty.
    const [, total, oldestCounted] = (await this.redis
      .multi()
      .zremrangebyscore(redisKey, 0, now - this.windowMs)
      .zcard(redisKey)
      .zrange(redisKey, -limit, -limit, "WITHSCORES")
      .exec()) as [unknown, [unknown, number], [unknown, string[]]];
    const count = Math.min(Number(total[1]), limit);
    const first = Number(oldestCounted[1][1] ?? now);
    return { count, resetAt: first + this.windowMs };
  }

  private async sharedRecordFailure(key: string, now: number, limit: number) {
    const redisKey = this.key(key);
    await this.redis
      .multi()
      .zadd(redisKey, now, `${now}:${Math.random().toString(36).slice(2)}`)
      .zremrangebyscore(redisKey, 0, now - this.windowMs)
      .zremrangebyrank(redisKey, 0, -(limit + 1))
      .pexpire(redisKey, this.windowMs)
      .exec();
  }
}
