/**
 * The bounded event log on both engines: the retention sweep removes events older than
 * `[events] retention_days` (never the newest), messages stay readable, and a cursor from
 * before what was removed gets `cursor_expired`: 410 from REST sync, an error frame (and
 * no `synced`) on a socket's resume or `sync`. The SDK then connects afresh and says
 * `expired` before the fresh connection's `ready`. Events are moved into the past by rewriting timestamps.
 */
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { ChatSocket, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { DAY_MS } from "../../src/messages/retention-policy.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, sleep } from "../helpers/socket.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("event log retention", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, history } = messagesApi(run, { events: { retention_days: 30 } });
  before(() => {
    ({ server, api } = started());
  });
  const db = () => server.ctx.store.db;
  const latest = () => server.ctx.store.events.latestId();
  /** Moves every event up to `through` 31 days into the past, then sweeps. */
  const ageAndSweep = async (through: number) => {
    await db()
      .updateTable("events")
      .set({ created_at: Date.now() - 31 * DAY_MS })
      .where("id", "<=", through)
      .execute();
    return server.ctx.retention.sweep();
  };
  const sync = (user: TestUser, since: number) =>
    api.get<{ cursor: number; events: unknown[] }>(`${V1}/sync?since=${since}`, as(user));

  let alice: TestUser;
  let bob: TestUser;
  let group: { id: string };
  let before31: number;
  let horizon: number;

  it("removes events older than the log keeps, never the newest, and keeps the messages", async () => {
    [alice, bob] = (await users(2)) as [TestUser, TestUser];
    group = await createGroup(server.url, alice, [bob], "old news");
    await sendMessage(server.url, alice, group.id, "first");
    await sendMessage(server.url, bob, group.id, "second");
    before31 = await latest();
    await sendMessage(server.url, alice, group.id, "third");
    const report = await ageAndSweep(before31);
    assert.ok(report.events >= 3, JSON.stringify(report));
    horizon = await server.ctx.store.events.horizon();
    assert.equal(horizon, before31);
    const left = await db().selectFrom("events").select("id").orderBy("id").execute();
    assert.ok(Number(left[0]?.id) > before31, "nothing at or before the horizon is left");
    assert.deepEqual(
      (await history(bob, group.id)).map((m) => m.body),
      ["first", "second", "third"],
      "the messages themselves stay",
    );

    // Everything old: the newest event stays, so the log's head (and every cursor) holds.
    const head = await latest();
    await ageAndSweep(head);
    assert.equal(await latest(), head);
    horizon = await server.ctx.store.events.horizon();
    assert.equal(horizon, head - 1);
  });

  it("answers a REST sync from before the horizon with 410 cursor_expired", async () => {
    const expired = await sync(bob, 0);
    assert.equal(expired.status, 410, expired.text);
    assert.equal((expired.body as { error?: { code: string } }).error?.code, "cursor_expired");
    const fresh = await sync(bob, horizon);
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.body.cursor, await latest());
  });

  it("answers a socket's resume and sync frame from before it with an error frame", async () => {
    const resumed = await connect(server.url, bob.token, { since: 1 });
    const error = await resumed.next((f) => f.type === "error" || f.type === "synced");
    assert.equal(error.type, "error");
    assert.equal(error.code, "cursor_expired");
    await sleep(100);
    assert.equal(resumed.all("synced").length, 0, "no synced: the client must start afresh");
    await resumed.close();

    const live = await connect(server.url, bob.token);
    live.send({ type: "sync", id: "s1", since: 0 });
    const answer = await live.next((f) => f.type === "error" || f.type === "synced");
    assert.equal(answer.code, "cursor_expired");
    assert.equal(answer.id, "s1");
    live.send({ type: "sync", id: "s2", since: horizon });
    const synced = await live.next((f) => f.type === "synced");
    assert.equal(synced.id, "s2");
    await live.close();
  });

  it("the SDK connects afresh, says expired before ready, and then hears new events", async () => {
    const socket = new ChatSocket({
      baseUrl: server.url,
      token: () => bob.token,
      WebSocket: WebSocket as unknown as WebSocketFactory,
      cursor: 1,
    });
    const heard: string[] = [];
    socket.on("expired", ({ cursor }) => heard.push(`expired ${cursor}`));
    socket.on("ready", ({ cursor }) => heard.push(`ready ${cursor}`));
    const bodies: string[] = [];
    socket.on("event", (event) => {
      if (event.type === "message.new") bodies.push(event.message.body);
    });
    socket.connect();
    try {
      const deadline = Date.now() + 10_000;
      while (socket.state !== "open" && Date.now() < deadline) await sleep(20);
      assert.equal(socket.state, "open");
      const head = await latest();
      // The resuming connection's ready, then the fresh one's, announced by expired.
      assert.deepEqual(heard.slice(-2), [`expired ${head}`, `ready ${head}`]);
      assert.equal(heard.length, 3, heard.join(", "));
      assert.equal(socket.cursor, head);
      await sendMessage(server.url, alice, group.id, "after the gap");
      while (bodies.length === 0 && Date.now() < deadline) await sleep(20);
      assert.deepEqual(bodies, ["after the gap"]);
    } finally {
      socket.close();
    }
  });
});
