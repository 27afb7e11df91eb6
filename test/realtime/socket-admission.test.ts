/**
 * A reconnect storm on both engines: a node that sets up at most one socket at a time
 * ([limits] opening_sockets = 1) takes forty at once by closing those past it with 1013
 * and a retry hint, the rest becoming ready; the SDK's sockets, told to come back later,
 * all end open, and the sends made meanwhile are stored once each.
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

  it("closes the sockets past the limit with 1013 and when to come back", async () => {
    const user = await createUser(server.url);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => attempt(server.url, user.token)),
    );
    const refused = outcomes.flatMap((o) => ("closed" in o ? [o.closed] : []));
    const opened = outcomes.flatMap((o) => ("open" in o ? [o.open] : []));
    assert.ok(opened.length >= 1, "the first one is set up");
    assert.ok(refused.length >= 1, "forty at once are more than one at a time");
    for (const closed of refused) {
      assert.equal(closed.code, BUSY, closed.reason);
      const hint = retryAfterOf(closed.reason);
      assert.ok(hint !== undefined && hint >= 1000 && hint <= 30_000, closed.reason);
    }
    for (const socket of opened) await socket.close();
    const metrics = await client(server.url).get("/metrics");
    assert.match(
      metrics.text,
      new RegExp(
        `chat_rate_limit_rejections_total\\{limit="socket_admission"\\} ${refused.length}`,
      ),
    );
  });

  it("the SDK's sockets come back when told, and every send is stored once", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const api = new ApiClient({ baseUrl: server.url, token: alice.token });
    const conversation = await api.createConversation({ type: "direct", member_ids: [bob.id] });
    const sockets = Array.from(
      { length: 12 },
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
    await until(() => sockets.every((s) => s.state === "open"), "every socket open");
    await Promise.all(sends);
    assert.ok(told.length >= 1, "some were told to come back later");
    const history = await api.history(conversation.id, { limit: 20 });
    assert.deepEqual(history.map((m) => m.body).sort(), [
      "storm 0",
      "storm 1",
      "storm 2",
      "storm 3",
      "storm 4",
    ]);
    for (const socket of sockets) socket.close();
  });
});
