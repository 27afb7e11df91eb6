/**
 * The auth lockout counts exactly, for every limit the configuration accepts, in memory
 * (a single node) and in Redis (a cluster): it once kept only the newest 64 failures in
 * memory, so a limit over 64 never locked. Time is passed in, so the window is exact.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import {
  type AttemptCounter,
  AuthThrottle,
  MemoryAttemptCounter,
  REGISTRATION_SCOPE,
} from "../../src/auth/auth-throttle.js";
import { RedisAttemptCounter } from "../../src/auth/redis-attempt-counter.js";
import { configKeys } from "../../src/config/keys.js";
import { loadConfig } from "../../src/config/load.js";
import { AppError } from "../../src/errors.js";
import { TEST_REDIS_URL } from "../helpers/env.js";

const WINDOW_MS = 60_000;
const T0 = 1_800_000_000_000;

const maxKey = configKeys().find(
  (k) => k.section === "rate_limit" && k.key === "max_auth_attempts",
);
const CONFIG_MAX = maxKey?.maximum;

async function refusal(run: () => Promise<void>): Promise<AppError | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `test-throttle-${randomBytes(4).toString("hex")}:`;
after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const counters: { name: string; make(): AttemptCounter }[] = [
  { name: "memory", make: () => new MemoryAttemptCounter(WINDOW_MS) },
  {
    name: "redis",
    make: () =>
      new RedisAttemptCounter(redis, `${prefix}${randomBytes(4).toString("hex")}:`, WINDOW_MS),
  },
];

it("the configuration has a maximum for max_auth_attempts and refuses more", () => {
  assert.equal(typeof CONFIG_MAX, "number");
  const max = CONFIG_MAX ?? 0;
  assert.equal(
    loadConfig({ env: {}, overrides: { rate_limit: { max_auth_attempts: max } } }).rate_limit
      .max_auth_attempts,
    max,
  );
  assert.throws(() =>
    loadConfig({ env: {}, overrides: { rate_limit: { max_auth_attempts: max + 1 } } }),
  );
});

for (const { name, make } of counters) {
  describe(`auth lockout counts [${name}]`, () => {
    for (const limit of [1, 2, 63, 64, 65, 200, CONFIG_MAX ?? 1000]) {
      it(`locks at exactly ${limit} failures and unlocks when the window has passed`, async () => {
        const throttle = new AuthThrottle(make(), limit, true);
        // Failures one millisecond apart, so the oldest one decides when the lock ends.
        for (let i = 0; i < limit - 1; i++) {
          await throttle.recordFailure("victim", "203.0.113.1", T0 + i);
        }
        assert.equal(
          await refusal(() => throttle.check("Victim", "203.0.113.2", T0 + limit)),
          undefined,
          `${limit - 1} failures do not lock`,
        );
        await throttle.recordFailure("victim", "203.0.113.1", T0 + limit - 1);
        const byName = await refusal(() => throttle.check("VICTIM", "203.0.113.2", T0 + limit));
        assert.equal(byName?.code, "too_many_auth_attempts", "the username is locked");
        // The oldest failure (at T0) is WINDOW_MS - limit ms from leaving the window.
        assert.equal(byName?.retryAfterSeconds, Math.ceil((WINDOW_MS - limit) / 1000));
        const byAddress = await refusal(() => throttle.check("other", "203.0.113.1", T0 + limit));
        assert.equal(byAddress?.code, "too_many_auth_attempts", "the address is locked");
        // The first failure leaves the window at T0 + WINDOW_MS: then one is missing.
        const stillLocked = await refusal(() =>
          throttle.check("victim", "203.0.113.2", T0 + WINDOW_MS - 1),
        );
        assert.equal(stillLocked?.code, "too_many_auth_attempts");
        assert.equal(
          await refusal(() => throttle.check("victim", "203.0.113.2", T0 + WINDOW_MS)),
          undefined,
          "the lock ends when the oldest failure leaves the window",
        );
      });
    }

    it("failures recorded past the limit (concurrent requests) keep the lock to the newest", async () => {
      const limit = 65;
      const throttle = new AuthThrottle(make(), limit, true);
      // 100 failures, 0.1 s apart: the lock lasts until the 65th newest (index 35) is old.
      for (let i = 0; i < 100; i++) {
        await throttle.recordFailure("u", "198.51.100.9", T0 + i * 100);
      }
      const now = T0 + 10_000;
      const lockEnds = T0 + 3500 + WINDOW_MS;
      const refused = await refusal(() => throttle.check("u", "198.51.100.1", now));
      assert.equal(refused?.retryAfterSeconds, Math.ceil((lockEnds - now) / 1000));
      assert.ok(await refusal(() => throttle.check("u", "198.51.100.1", lockEnds - 1)));
      assert.equal(await refusal(() => throttle.check("u", "198.51.100.1", lockEnds)), undefined);
    });

    it("a success clears the username's count, not the address's; scopes count apart", async () => {
      const counter = make();
      const signIn = new AuthThrottle(counter, 3, true);
      const registration = new AuthThrottle(counter, 3, true, REGISTRATION_SCOPE);
      for (let i = 0; i < 3; i++) await signIn.recordFailure("alice", "192.0.2.1", T0);
      assert.ok((await refusal(() => registration.check("alice", "192.0.2.5", T0))) === undefined);
      assert.ok((await refusal(() => registration.check("bob", "192.0.2.1", T0))) === undefined);
      for (let i = 0; i < 3; i++) await registration.recordFailure("carol", "192.0.2.9", T0);
      assert.ok((await refusal(() => signIn.check("carol", "192.0.2.9", T0 + 1))) === undefined);
      assert.ok(await refusal(() => registration.check("dave", "192.0.2.9", T0 + 1)));
      await signIn.recordSuccess("alice");
      assert.ok((await refusal(() => signIn.check("alice", "192.0.2.2", T0))) === undefined);
      assert.ok((await refusal(() => signIn.check("x", "192.0.2.1", T0))) !== undefined);
    });
  });
}
