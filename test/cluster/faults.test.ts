import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Cluster, getFrom, startCluster } from "../helpers/cluster.js";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/env.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { type FlakyProxy, startProxy } from "../helpers/proxy.js";
import { connect, type Frame, sleep } from "../helpers/socket.js";

async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The same URL, with its host and port replaced by the proxy's. */
function through(proxy: FlakyProxy, url: string): string {
  const target = new URL(url);
  const via = new URL(proxy.url);
  target.host = via.host;
  return target.toString();
}

const bodies = (frames: Frame[]) =>
  frames.filter((f) => f.type === "message.new").map((f) => f.message.body as string);

describe("faults: PostgreSQL and Redis going away", () => {
  let database: FlakyProxy;
  let redis: FlakyProxy;
  let cluster: Cluster;

  before(async () => {
    database = await startProxy(TEST_DATABASE_URL.replace(/^postgres/, "http"));
    redis = await startProxy(TEST_REDIS_URL.replace(/^redis/, "http"));
    cluster = await startCluster(2, {
      databaseUrl: through(database, TEST_DATABASE_URL),
      redisUrl: through(redis, TEST_REDIS_URL),
    });
  });
  after(async () => {
    await cluster?.stop();
    await database?.close();
    await redis?.close();
  });

  it("answers 503 while the database is away, says unhealthy, and recovers by itself", async () => {
    const node = cluster.nodes[0]!.url;
    const alice = await createUser(node);
    const bob = await createUser(node);
    const api = client(node);
    const direct = await api.post(
      "/api/v1/conversations",
      { type: "direct", member_ids: [bob.id] },
      { token: alice.token },
    );
    const acked = await api.post(
      `/api/v1/conversations/${direct.body.id}/messages`,
      { body: "kept" },
      { token: alice.token },
    );
    assert.equal(acked.status, 201);

    database.setDown(true);
    database.cut();
    await until(
      async () => (await getFrom(`${node}/health`, "127.0.0.1")).status === 503,
      "/health to say unhealthy",
    );
    const health = await getFrom(`${node}/health`, "127.0.0.1");
    assert.equal(health.body.status, "unhealthy");
    const refused = await api.post(
      `/api/v1/conversations/${direct.body.id}/messages`,
      { body: "lost?" },
      { token: alice.token },
    );
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, "database_unavailable");

    database.setDown(false);
    await until(
      async () => (await getFrom(`${node}/health`, "127.0.0.1")).status === 200,
      "the database to come back",
    );
    const after = await api.post(
      `/api/v1/conversations/${direct.body.id}/messages`,
      { body: "back" },
      { token: alice.token },
    );
    assert.equal(after.status, 201);
    const history = await api.get(`/api/v1/conversations/${direct.body.id}/messages`, {
      token: bob.token,
    });
    assert.deepEqual(
      history.body.messages.map((m: { body: string }) => m.body),
      ["kept", "back"],
      "the acked message survived; the refused one was never stored",
    );
  });

  it("keeps same-node delivery while Redis is away; the other node catches up from the log", async () => {
    const [n0, n1] = cluster.nodes.map((n) => n.url) as [string, string];
    const [a, b, c] = await Promise.all([createUser(n0), createUser(n0), createUser(n1)]);
    const group = await client(n0).post(
      "/api/v1/conversations",
      { type: "group", title: "redis outage", member_ids: [b.id, c.id] },
      { token: a.token },
    );
    const sameNode = await connect(n0, b.token);
    const otherNode = await connect(n1, c.token);
    const sender = await connect(n0, a.token);

    redis.setDown(true);
    redis.cut();
    for (let i = 0; i < 5; i++) {
      sender.send({
        type: "message.send",
        id: i,
        conversation_id: group.body.id,
        body: `during ${i}`,
      });
    }
    await until(() => bodies(sameNode.frames).length >= 5, "same-node delivery without Redis");
    await until(
      () => bodies(otherNode.frames).length >= 5,
      "the other node to catch up from the log",
    );

    redis.setDown(false);
    await sleep(1500); // the Redis client reconnects on its own schedule
    for (let i = 0; i < 5; i++) {
      sender.send({
        type: "message.send",
        id: `after${i}`,
        conversation_id: group.body.id,
        body: `after ${i}`,
      });
    }
    await until(() => bodies(otherNode.frames).length >= 10, "delivery to resume");
    await sleep(200);
    const expected = [
      ...Array.from({ length: 5 }, (_, i) => `during ${i}`),
      ...Array.from({ length: 5 }, (_, i) => `after ${i}`),
    ];
    assert.deepEqual(bodies(sameNode.frames), expected);
    assert.deepEqual(bodies(otherNode.frames), expected, "once each, in order");
    await Promise.all([sameNode.close(), otherNode.close(), sender.close()]);
  });
});
