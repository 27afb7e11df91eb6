/**
 * Sign-in failure counts kept in Redis, so a lockout holds across every node of a
 * cluster. Each key is a sorted set of failure times, trimmed to the window.
 */
import type { Redis } from "ioredis";
import { type AttemptCounter, AUTH_WINDOW_MS, MemoryAttemptCounter } from "./login-throttle.js";

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

  async failures(key: string, now: number) {
    try {
      return await this.sharedFailures(key, now);
    } catch {
      return this.fallback.failures(key, now);
    }
  }

  async recordFailure(key: string, now: number) {
    await this.fallback.recordFailure(key, now);
    await this.sharedRecordFailure(key, now).catch(() => {});
  }

  async reset(key: string) {
    await this.fallback.reset(key);
    await this.redis.del(this.key(key)).catch(() => {});
  }

  private key(key: string): string {
    return `${this.prefix}auth:${key}`;
  }

  private async sharedFailures(key: string, now: number) {
    const redisKey = this.key(key);
    const [, oldest, count] = (await this.redis
      .multi()
      .zremrangebyscore(redisKey, 0, now - this.windowMs)
      .zrange(redisKey, 0, 0, "WITHSCORES")
      .zcard(redisKey)
      .exec()) as [unknown, [unknown, string[]], [unknown, number]];
    const first = Number(oldest[1][1] ?? now);
    return { count: Number(count[1]), resetAt: first + this.windowMs };
  }

  private async sharedRecordFailure(key: string, now: number) {
    const redisKey = this.key(key);
    await this.redis
      .multi()
      .zadd(redisKey, now, `${now}:${Math.random().toString(36).slice(2)}`)
      .zremrangebyscore(redisKey, 0, now - this.windowMs)
      .pexpire(redisKey, this.windowMs)
      .exec();
  }
}
