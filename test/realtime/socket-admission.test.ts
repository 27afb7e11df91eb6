/**
 * A reconnect storm on both engines: a node that sets up at most one socket at a time
 * ([limits] opening_sockets = 1, so 64 handshakes wait in line) takes a hundred at once:
 * those in line become ready in turn, and any past it is closed with 1013 and a retry
 * hint. The SDK's sockets, told to come back later or not, all end open, and the sends
 * made meanwhile are stored once each. Whether a handshake finds the line full depends
 * on how fast the node sets the others up, so the refusal itself and the spreading of
 * the hints are tested on SocketAdmission (src/realtime/admission.test.ts).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { closeCodeCatalogue, retryAfterOf } from "@private-chat/protocol/close-codes";
import { ApiClient, ChatSocket, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { attempt, sleep } from "../helpers/socket.js";

const BUSY = closeCodeCatalogue.tryAgainLater.code;

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

forEachEngine("sockets set up at once", ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({
      rate_limit: { enabled: false },
      limits: { opening_sockets: 1 },
    });
  });
  after(() => server.stop());

  it("sets up the sockets in line in turn, and closes those past it with 1013 and when to come back", async () => {
    // Four people, 25 sockets each: within [limits] sockets_per_user.
    const users = await Promise.all([1, 2, 3, 4].map(() => createUser(server.url)));
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => attempt(server.url, users[i % 4]?.token ?? "")),
    );
    const refused = outcomes.flatMap((o) => ("closed" in o ? [o.closed] : []));
    const opened = outcomes.flatMap((o) => ("open" in o ? [o.open] : []));
    assert.ok(opened.length >= 65, `one set up and 64 in line: ${opened.length}`);
    assert.equal(opened.length + refused.length, 100);
    for (const closed of refused) {
      assert.equal(closed.code, BUSY, closed.reason);
      const hint = retryAfterOf(closed.reason);
      assert.ok(hint !== undefined && hint >= 1000 && hint <= 30_000, closed.reason);
    }
    for (const socket of opened) await socket.close();
    const metrics = await client(server.url).get("/metrics");
    const counted = /chat_rate_limit_rejections_total\{limit="socket_admission"\} (\d+)/.exec(
      metrics.text,
    );
    assert.equal(Number(counted?.[1] ?? 0), refused.length);
  });

  it("the SDK's sockets come back when told, and every send is stored once", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const api = new ApiClient({ baseUrl: server.url, token: alice.token });
    const conversation = await api.createConversation({ type: "direct", member_ids: [bob.id] });
    const sockets = Array.from(
      { length: 80 },
      (_, i) =>
        new ChatSocket({
          baseUrl: server.url,
          token: () => (i % 2 ? bob.token : alice.token),
          WebSocket: WebSocket as unknown as WebSocketFactory,
          backoff: { baseMs: 20, maxMs: 200 },
        }),
    );
    const told: string[] = [];
    for (const socket of sockets) {
      socket.on("state", ({ state, reason }) => {
        if (state === "reconnecting" && reason?.includes("retry_after_ms")) told.push(reason);
      });
      socket.connect();
    }
    const sender = sockets[0] as ChatSocket;
    const sends = Array.from({ length: 5 }, (_, i) => sender.send(conversation.id, `storm ${i}`));
    try {
      await until(() => sockets.every((s) => s.state === "open"), "every socket open");
      await Promise.all(sends);
    } finally {
      for (const socket of sockets) socket.close();
    }
    for (const reason of told) assert.match(reason, /1013: server busy; retry_after_ms=\d+/);
    const history = await api.history(conversation.id, { limit: 20 });
    assert.deepEqual(history.map((m) => m.body).sort(), [
      "storm 0",
      "storm 1",
      "storm 2",
      "storm 3",
      "storm 4",
    ]);
  });
});
