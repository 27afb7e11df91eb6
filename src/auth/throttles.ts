/**
 * Builds the throttles of the actions that check a secret from the configuration: one
 * for signing in and changing a password (they guess the same password, so they spend
 * the same budget), one for registering (invite codes and taken usernames). Both count
 * in Redis when the nodes share one, so a lockout holds for the whole cluster.
 */
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import {
  type AttemptCounter,
  AuthThrottle,
  MemoryAttemptCounter,
  REGISTRATION_SCOPE,
  SIGN_IN_SCOPE,
} from "./auth-throttle.js";
import { RedisAttemptCounter } from "./redis-attempt-counter.js";

export interface AuthThrottles {
  signIn: AuthThrottle;
  registration: AuthThrottle;
}

export function createAuthThrottles(config: Config, redis: Redis | undefined): AuthThrottles {
  const { max_auth_attempts, auth_window_seconds, enabled } = config.rate_limit;
  const windowMs = auth_window_seconds * 1000;
  const counter: AttemptCounter = redis
    ? new RedisAttemptCounter(redis, config.redis.key_prefix, windowMs)
    : new MemoryAttemptCounter(windowMs);
  return {
    signIn: new AuthThrottle(counter, max_auth_attempts, enabled, SIGN_IN_SCOPE),
    registration: new AuthThrottle(counter, max_auth_attempts, enabled, REGISTRATION_SCOPE),
  };
}
