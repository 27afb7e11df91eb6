/**
 * Blocks and declined requests across a cluster: two nodes on one PostgreSQL database and
 * one Redis. A block or a decline answered by one node holds on the other at once: the
 * change travels on the cluster channel ahead of anything the first node publishes
 * after it, so the other node filters what follows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createDirect, createGroup, requestDirect, sendMessage } from "../helpers/chat.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, type TestSocket } from "../helpers/socket.js";

describe("blocks and declined requests on two nodes sharing Redis", () => {
  let first: TestServer;
  let second: TestServer;
  const sockets: TestSocket[] = [];
  before(async () => {
    first = await startTestServer(
      { rate_limit: { enabled: false } },
      { database: "postgres", redis: true },
    );
    second = await startTestServer({
      rate_limit: { enabled: false },
      database: first.config.database,
      redis: first.config.redis,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await second?.stop();
    await first?.stop();
  });
  const open = async (server: TestServer, token: string) => {
    const socket = await connect(server.url, token);
    sockets.push(socket);
    return socket;
  };

  it("a block made on one node stops presence and typing on the other", async () => {
    const blocker = await createUser(first.url);
    const blocked = await createUser(first.url);
    const third = await createUser(first.url);
    const group = await createGroup(first.url, third, [blocker, blocked]);
    const watcher = await open(second, blocker.token);
    const res = await client(first.url).post(
      "/api/v1/blocks",
      { user_id: blocked.id },
      { token: blocker.token },
    );
    assert.equal(res.status, 201);

    // Both come online on the first node, the blocked one first.
    const blockedSocket = await open(first, blocked.token);
    const thirdSocket = await open(first, third.token);
    await watcher.next((f) => f.type === "presence" && f.user_id === third.id);
    assert.deepEqual(
      watcher.all("presence").map((f) => f.user_id),
      [third.id],
    );
    blockedSocket.send({ type: "typing", conversation_id: group.id });
    const pong = "after-typing";
    blockedSocket.send({ type: "ping", id: pong });
    await blockedSocket.next((f) => f.type === "pong" && f.id === pong);
    thirdSocket.send({ type: "typing", conversation_id: group.id });
    const typing = await watcher.next((f) => f.type === "typing");
    assert.equal(typing.user_id, third.id, "the blocked person's typing never reached node 2");
  });

  it("a request declined on one node sends the one who declined nothing on the other", async () => {
    const asker = await createUser(first.url);
    const asked = await createUser(first.url);
    const friend = await createUser(first.url);
    const direct = await requestDirect(first.url, asker, asked);
    const withFriend = await createDirect(first.url, friend, asked);
    const watcher = await open(second, asked.token);
    const declined = await client(first.url).post(
      `/api/v1/conversations/${direct.id}/decline`,
      undefined,
      { token: asked.token },
    );
    assert.equal(declined.status, 200);
    await sendMessage(first.url, asker, direct.id, "please answer");
    const marker = await sendMessage(first.url, friend, withFriend.id, "marker");
    await watcher.next((f) => f.type === "message.new" && f.message.id === marker.id);
    assert.deepEqual(
      watcher.frames.filter((f) => f.conversation_id === direct.id),
      [],
    );
  });
});
