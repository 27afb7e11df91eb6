/**
 * Sign-in failure counts kept in Redis, so a lockout holds across every node of a
 * cluster. Each key is a sorted set of failure times, trimmed to the window.
 */
import type { Redis } from "ioredis";
import { type AttemptCounter, AUTH_WINDOW_MS } from "./login-throttle.js";

export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs = AUTH_WINDOW_MS,
  ) {}

  private key(key: string): string {
    return `${this.prefix}auth:${key}`;
  }

  async failures(key: string, now: number) {
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

  async recordFailure(key: string, now: number) {
    const redisKey = this.key(key);
    await this.redis
      .multi()
      .zadd(redisKey, now, `${now}:${Math.random().toString(36).slice(2)}`)
      .zremrangebyscore(redisKey, 0, now - this.windowMs)
      .pexpire(redisKey, this.windowMs)
      .exec();
  }

  async reset(key: string) {
    await this.redis.del(this.key(key));
  }
}
