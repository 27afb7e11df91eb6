import assert from "node:assert/strict";
import { it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { connect, sleep } from "../helpers/socket.js";

forEachEngine("socket safety", { redis: true }, ({ start }) => {
  it("closes with 4401 when the session is revoked or the password changes", async () => {
    const server = await start();
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      await api.post("/api/v1/auth/logout", undefined, { token: user.token });
      assert.equal((await socket.closed).code, 4401);

      const login = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
      });
      const other = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
      });
      const kept = await connect(server.url, login.body.token);
      const ended = await connect(server.url, other.body.token);
      await api.post(
        "/api/v1/auth/password",
        { current_password: user.password, new_password: "a different password" },
        { token: login.body.token },
      );
      assert.equal((await ended.closed).code, 4401);
      kept.send({ type: "ping", id: "still here" });
      assert.equal((await kept.next((f) => f.type === "pong")).id, "still here");
      await kept.close();
    } finally {
      await server.stop();
    }
  });

  it("closes with 4401 when another process revokes the session or disables the user", async () => {
    const server = await start();
    try {
      const user = await createUser(server.url);
      const other = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const session = (await client(server.url).get("/api/v1/sessions", { token: user.token })).body
        .sessions[0];
      // Written straight to the database, as the admin CLI does: no event reaches the hub.
      await server.ctx.store.sessions.revoke(session.id, user.id, Date.now());
      assert.equal((await socket.closed).code, 4401);
      const otherSocket = await connect(server.url, other.token);
      await server.ctx.store.users.setDisabled(other.id, true);
      assert.equal((await otherSocket.closed).code, 4401);
    } finally {
      await server.stop();
    }
  });

  it("closes with 4401 when the token expires", async () => {
    const server = await start({ auth: { token_expiry_seconds: 3 } });
    try {
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const closed = await socket.closed;
      assert.equal(closed.code, 4401);
    } finally {
      await server.stop();
    }
  });

  it("answers bad frames with error frames and stays usable", async () => {
    const server = await start();
    try {
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const cases: [unknown, string][] = [
        ["{not json", "invalid_json"],
        ["[1,2]", "invalid_request"],
        [{ type: "launch.missiles", id: 7 }, "unknown_frame_type"],
        [
          { type: "message.send", id: 1, conversation_id: { $gt: "" }, body: "x" },
          "invalid_request",
        ],
        [
          { type: "message.send", id: 2, conversation_id: "c", body: "x", extra: true },
          "unknown_fields",
        ],
        [{ type: "sync", since: -5 }, "invalid_request"],
        [{ type: "message.send", id: 3, conversation_id: "c", body: "   " }, "body_empty"],
      ];
      for (const [frame, code] of cases) {
        socket.send(frame);
        const error = await socket.next((f) => f.type === "error");
        assert.equal(error.code, code, JSON.stringify(frame));
        assert.equal(typeof error.message, "string");
      }
      assert.equal(socket.frames.find((f) => f.code === "unknown_frame_type")?.id, 7);
      socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      assert.equal((await socket.next((f) => f.type === "error")).code, "invalid_request");
      socket.send({ type: "ping", id: "alive" });
      assert.equal((await socket.next((f) => f.type === "pong")).id, "alive");
      await socket.close();
    } finally {
      await server.stop();
    }
  });

  it("closes with 1009 on a frame over 64 KiB, and keeps serving others", async () => {
    const server = await start();
    try {
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const bystander = await connect(server.url, user.token);
      socket.send({ type: "ping", pad: "x".repeat(70 * 1024) });
      assert.equal((await socket.closed).code, 1009);
      bystander.send({ type: "ping" });
      await bystander.next((f) => f.type === "pong");
      await bystander.close();
    } finally {
      await server.stop();
    }
  });

  it("throttles a flooding socket with error frames, then closes it with 1008", async () => {
    const server = await start({
      rate_limit: { socket_frames_per_second: 5, socket_frame_burst: 5 },
    });
    try {
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      for (let i = 0; i < 240; i++) socket.send({ type: "ping", id: i });
      const closed = await socket.closed;
      assert.equal(closed.code, 1008);
      assert.ok(socket.all("pong").length >= 5);
      assert.ok(socket.frames.some((f) => f.type === "error" && f.code === "rate_limited"));
    } finally {
      await server.stop();
    }
  });

  it("cuts off a client that stops reading while the others keep receiving", async () => {
    const server = await start({
      rate_limit: { enabled: false },
      // The longest heartbeat: on a loaded machine the sends can outlast a short one, and
      // the stalled client must be cut off for its queue, not for missing a ping.
      server: { socket_max_buffered_bytes: 64 * 1024, socket_heartbeat_seconds: 300 },
    });
    try {
      const api = client(server.url);
      const owner = await createUser(server.url);
      const stalled = await createUser(server.url);
      const reader = await createUser(server.url);
      const group = await api.post(
        "/api/v1/conversations",
        { type: "group", title: "load", member_ids: [stalled.id, reader.id] },
        { token: owner.token },
      );
      const slow = await connect(server.url, stalled.token);
      const fast = await connect(server.url, reader.token);
      // Stop reading from the TCP socket: the server's outbound queue for it grows.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const body = "y".repeat(4000);
      const total = 1500;
      let received = 0;
      fast.ws.on("message", (data) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === "message.new") received += 1;
      });
      for (let batch = 0; batch < total; batch += 50) {
        await Promise.all(
          Array.from({ length: 50 }, () =>
            api.post(
              `/api/v1/conversations/${group.body.id}/messages`,
              { body },
              { token: owner.token },
            ),
          ),
        );
      }
      const deadline = Date.now() + 10_000;
      while (received < total && Date.now() < deadline) await sleep(50);
      assert.equal(received, total, "the reading client got every message");
      const metrics = await api.get("/metrics");
      assert.match(metrics.text, /chat_websocket_slow_consumers_total 1/);
      assert.equal(
        (await api.get("/status")).body.connections,
        1,
        "only the reader is still connected",
      );
      await fast.close();
    } finally {
      await server.stop();
    }
  });

  it("drops a peer that stops answering heartbeat pings", async () => {
    const server = await start({ server: { socket_heartbeat_seconds: 1 } });
    try {
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const healthy = await connect(server.url, user.token);
      (socket.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const started = Date.now();
      while (
        (await client(server.url).get("/status")).body.connections > 1 &&
        Date.now() - started < 10_000
      ) {
        await sleep(100);
      }
      assert.equal((await client(server.url).get("/status")).body.connections, 1);
      healthy.send({ type: "ping" });
      await healthy.next((f) => f.type === "pong");
      await healthy.close();
    } finally {
      await server.stop();
    }
  });

  it("closes sockets with 1001 when the server shuts down", async () => {
    const server = await start();
    const user = await createUser(server.url);
    const socket = await connect(server.url, user.token);
    await server.stop();
    assert.equal((await socket.closed).code, 1001);
  });
});
