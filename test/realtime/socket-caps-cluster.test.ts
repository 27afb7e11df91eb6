/**
 * The socket cap across a cluster: two nodes on one PostgreSQL database and one Redis
 * count one account's sockets together, and the slots of a node that died without
 * closing its sockets free themselves when their leases run out.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { closeCodeCatalogue } from "@private-chat/protocol/close-codes";
import { Redis } from "ioredis";
import { RedisSocketQuota } from "../../src/realtime/socket-quota.js";
import { TEST_REDIS_URL } from "../helpers/env.js";
import { createUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, sleep, type TestSocket } from "../helpers/socket.js";

const CAP_CODE = closeCodeCatalogue.tooManySockets.code;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function attempt(baseUrl: string, token: string): Promise<TestSocket | number> {
  const socket = await connect(baseUrl, token, { ready: false });
  const result = await Promise.race([
    socket.next((f) => f.type === "ready").then(() => "ready" as const),
    socket.closed,
  ]);
  return result === "ready" ? socket : result.code;
}

describe("open sockets per account across two nodes sharing Redis", () => {
  let first: TestServer;
  let second: TestServer;
  before(async () => {
    first = await startTestServer(
      { limits: { sockets_per_user: 3 } },
      { database: "postgres", redis: true },
    );
    second = await startTestServer({
      limits: { sockets_per_user: 3 },
      database: first.config.database,
      redis: first.config.redis,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  it("refuses the socket past the cap on whichever node it lands, and frees slots cluster-wide", async () => {
    const user = await createUser(first.url);
    const a1 = await attempt(first.url, user.token);
    const a2 = await attempt(first.url, user.token);
    const b1 = await attempt(second.url, user.token);
    assert.ok(typeof a1 !== "number" && typeof a2 !== "number" && typeof b1 !== "number");
    assert.equal(await attempt(second.url, user.token), CAP_CODE, "refused on the second node");
    assert.equal(await attempt(first.url, user.token), CAP_CODE, "refused on the first node");

    // A socket closed on the first node frees a slot the second node can take.
    await a1.close();
    await until(() => first.ctx.hub.size === 1, "the first node to release the socket");
    let b2: TestSocket | number = CAP_CODE;
    // The release travels to Redis on its own connection: give it a moment.
    for (let i = 0; i < 50 && b2 === CAP_CODE; i++) {
      b2 = await attempt(second.url, user.token);
      if (b2 === CAP_CODE) await sleep(20);
    }
    assert.ok(typeof b2 !== "number", "the freed slot is taken on the other node");
    for (const socket of [a2, b1, b2]) await socket.close();
  });
});

describe("cluster socket slots in Redis", () => {
  let redis: Redis;
  before(async () => {
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    await redis.connect();
  });
  after(() => redis.disconnect());

  it("frees the slots of a node that stopped without closing its sockets, once their lease runs out", async () => {
    const keyPrefix = `test:${randomBytes(5).toString("hex")}:`;
    const onError = (err: unknown) => {
      throw err;
    };
    const dead = new RedisSocketQuota({ redis, keyPrefix, max: 2, onError, leaseMs: 300 });
    const alive = new RedisSocketQuota({ redis, keyPrefix, max: 2, onError, leaseMs: 300 });
    try {
      assert.ok(await dead.acquire("u1"));
      assert.ok(await dead.acquire("u1"));
      assert.equal(await alive.acquire("u1"), undefined, "at the cap, counted in Redis");
      const held = await alive.acquire("u2");
      assert.ok(held, "another user is not affected");
      dead.close(); // stops renewing, as a node that died would
      await sleep(400);
      const taken = await alive.acquire("u1");
      assert.ok(taken, "the dead node's slots ran out");
      // The living node renews its own: they outlast several leases.
      await sleep(700);
      assert.ok(await alive.acquire("u1"), "a second slot");
      assert.equal(await alive.acquire("u1"), undefined, "the renewed slots still count");
      taken.release();
      await sleep(20);
      assert.ok(await alive.acquire("u1"), "a released slot comes back");
    } finally {
      dead.close();
      alive.close();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
});
