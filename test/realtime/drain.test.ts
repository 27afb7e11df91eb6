/**
 * Draining before a stop (rolling upgrades): no new sockets, /health 503, open sockets
 * finish the sends they made and are closed with 1001 and a reconnect hint.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { closeAdvice } from "@private-chat/protocol/frames";
import { DRAIN_CLOSE_REASON } from "../../src/realtime/socket-server.js";
import { runCli } from "../helpers/cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { connect, refusedStatus, socketUrl } from "../helpers/socket.js";

forEachEngine("draining a node", { redis: true }, ({ start }) => {
  it("acks the sends in hand, closes with 1001 and refuses new sockets and health checks with 503", async () => {
    const server = await start({ rate_limit: { enabled: false } });
    try {
      const api = client(server.url);
      const alice = await createUser(server.url);
      const bob = await createUser(server.url);
      const created = await api.post(
        "/api/v1/conversations",
        { type: "direct", member_ids: [bob.id] },
        { token: alice.token },
      );
      assert.equal(created.status, 201, created.text);
      const socket = await connect(server.url, alice.token);
      const count = 20;
      for (let i = 0; i < count; i++) {
        socket.send({
          type: "message.send",
          id: i,
          conversation_id: created.body.id,
          body: `m${i}`,
          client_id: `c${i}`,
        });
      }
      // The frames are on their way when the drain starts: each one that reached the
      // server is acked before the close, and none is stored without its ack.
      await socket.next((f) => f.type === "ack");
      const drained = server.drain();
      const closed = await socket.closed;
      assert.equal(closed.code, 1001);
      assert.equal(closed.reason, DRAIN_CLOSE_REASON);
      assert.equal(closeAdvice(closed.code).reconnect, true);
      await drained;
      const acked = socket.all("ack").map((f) => f.message.client_id);
      const stored = await api.get(`/api/v1/conversations/${created.body.id}/messages`, {
        token: bob.token,
      });
      assert.equal(stored.status, 200, stored.text);
      const storedIds = (stored.body.messages as { client_id: string }[]).map((m) => m.client_id);
      assert.deepEqual(storedIds.sort(), [...acked].sort());

      assert.equal(await refusedStatus(socketUrl(server.url, bob.token)), 503);
      const health = await api.get("/health");
      assert.equal(health.status, 503);
      assert.equal(health.body.error.code, "shutting_down");
      // REST still answers while the node drains.
      assert.equal((await api.get("/api/v1/me", { token: bob.token })).status, 200);
    } finally {
      await server.stop();
    }
  });
});

it("chat-server drain signals only a chat-server process", async () => {
  const other = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    const refused = await runCli(["drain", String(other.pid)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not a chat-server/);
    assert.equal(other.exitCode, null, "the process was left alone");
    assert.equal((await runCli(["drain", "not-a-pid"])).code, 64);
  } finally {
    other.kill();
  }
});
