import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ApiClient, ChatSocket, type StoredEvent, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { type FlakyProxy, startProxy } from "../helpers/proxy.js";
import type { TestServer } from "../helpers/server.js";
import { sleep } from "../helpers/socket.js";

const FAST_BACKOFF = { baseMs: 20, maxMs: 200 };

function chatSocket(baseUrl: string, user: TestUser): ChatSocket {
  return new ChatSocket({
    baseUrl,
    token: () => user.token,
    WebSocket: WebSocket as unknown as WebSocketFactory,
    backoff: FAST_BACKOFF,
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

forEachEngine("SDK over a flaky network", { redis: true }, ({ start }) => {
  let server: TestServer;
  let proxy: FlakyProxy;
  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    proxy = await startProxy(server.url);
  });
  after(async () => {
    await proxy.close();
    await server.stop();
  });

  it("neither loses nor doubles messages while the connection keeps dropping", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const api = new ApiClient({ baseUrl: server.url, token: alice.token });
    const conversation = await api.createConversation({ type: "direct", member_ids: [bob.id] });

    const sender = chatSocket(proxy.url, alice);
    const receiver = chatSocket(proxy.url, bob);
    const received: StoredEvent[] = [];
    receiver.on("event", (event) => received.push(event));
    const states: string[] = [];
    sender.on("state", ({ state }) => states.push(state));
    sender.connect();
    receiver.connect();
    await until(() => sender.state === "open" && receiver.state === "open", "both sockets open");

    const total = 60;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(sender.send(conversation.id, `message ${i}`));
      if (i % 10 === 5) proxy.cut();
      if (i % 20 === 15) {
        proxy.setDown(true);
        await sleep(100);
        proxy.setDown(false);
      }
      await sleep(5);
    }
    const acked = (await Promise.all(sends)) as { seq: number; body: string }[];
    assert.equal(sender.pending().length, 0);
    assert.ok(states.includes("reconnecting"), "the connection really dropped");

    const history = await api.history(conversation.id, { limit: 100 });
    assert.equal(history.length, total, "every acked message is stored once");
    assert.deepEqual(
      [...new Set(acked.map((m) => m.seq))].length,
      total,
      "each send has its own seq",
    );
    await until(
      () => received.filter((e) => e.type === "message.new").length >= total,
      `the receiver to catch up (${received.filter((e) => e.type === "message.new").length} of ${total}, state ${receiver.state}, cursor ${receiver.cursor})`,
    );
    const bodies = received
      .filter((e) => e.type === "message.new")
      .map((e) => (e as { message: { body: string } }).message.body);
    assert.equal(bodies.length, total, "no duplicates reached the receiver");
    assert.equal(new Set(bodies).size, total);
    const seqs = received
      .filter((e) => e.type === "message.new")
      .map((e) => (e as { message: { seq: number } }).message.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      "in order",
    );
    sender.close();
    receiver.close();
  });

  it("stops with 'unauthorized' when its session is revoked", async () => {
    const user = await createUser(server.url);
    const socket = chatSocket(server.url, user);
    socket.connect();
    await until(() => socket.state === "open", "open");
    await new ApiClient({ baseUrl: server.url, token: user.token }).logout();
    await until(() => socket.state === "unauthorized", "unauthorized");
    socket.close();
  });
});
