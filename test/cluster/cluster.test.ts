import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ApiClient, ChatSocket, type StoredEvent, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { createDirect } from "../helpers/chat.js";
import { addressesByNode, type Cluster, getFrom, startCluster } from "../helpers/cluster.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { connect, type Frame, sleep } from "../helpers/socket.js";

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function messagesOf(frames: Frame[], conversationId: string): Frame[] {
  return frames.filter((f) => f.type === "message.new" && f.conversation_id === conversationId);
}

describe("a cluster of three nodes on PostgreSQL and Redis behind nginx", () => {
  let cluster: Cluster;
  let users: TestUser[];

  before(async () => {
    cluster = await startCluster(3);
    users = await Promise.all(cluster.nodes.map((node) => createUser(node.url)));
  });
  after(async () => {
    await cluster?.stop();
  });

  it("serves /health, the API and sockets through nginx", async () => {
    const health = await getFrom(`${cluster.url}/health`, "127.0.0.1");
    assert.equal(health.status, 200);
    assert.deepEqual(Object.keys(health.body), ["status", "timestamp", "uptime_seconds"]);
    const user = await createUser(cluster.url);
    const me = await client(cluster.url).get("/api/v1/me", { token: user.token });
    assert.equal(me.body.user.id, user.id);
    const socket = await connect(cluster.url, user.token, { headers: { origin: cluster.url } });
    socket.send({ type: "ping", id: 1 });
    await socket.next((f) => f.type === "pong");
    await socket.close();
    const status = await client(cluster.url).get("/status");
    assert.equal(status.body.cluster, true);
    assert.equal(status.body.database, "postgres");
  });

  it("delivers direct and group messages between users on different nodes, once and in order", async () => {
    const [a, b, c] = users as [TestUser, TestUser, TestUser];
    const [n0, n1, n2] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const direct = await client(n0).post(
      "/api/v1/conversations",
      { type: "direct", member_ids: [b.id] },
      { token: a.token },
    );
    const group = await client(n1).post(
      "/api/v1/conversations",
      { type: "group", title: "across nodes", member_ids: [a.id, c.id] },
      { token: b.token },
    );
    const sa = await connect(n0, a.token);
    const sb = await connect(n1, b.token);
    const sc = await connect(n2, c.token);

    for (let i = 0; i < 20; i++) {
      sa.send({
        type: "message.send",
        id: `d${i}`,
        conversation_id: direct.body.id,
        body: `direct ${i}`,
      });
    }
    const sockets = [sa, sb, sc];
    sockets.forEach((socket, s) => {
      for (let i = 0; i < 10; i++) {
        socket.send({
          type: "message.send",
          id: `g${s}-${i}`,
          conversation_id: group.body.id,
          body: `group ${s}-${i}`,
        });
      }
    });
    await until(
      () => messagesOf(sb.frames, direct.body.id).length >= 20,
      "b to get the direct messages",
    );
    await until(
      () => sockets.every((socket) => messagesOf(socket.frames, group.body.id).length >= 20),
      "every member to get the others' group messages",
    );
    await sleep(200);
    assert.deepEqual(
      messagesOf(sb.frames, direct.body.id).map((f) => f.message.body),
      Array.from({ length: 20 }, (_, i) => `direct ${i}`),
    );
    for (const socket of sockets) {
      const seqs = messagesOf(socket.frames, group.body.id).map((f) => f.message.seq as number);
      assert.equal(seqs.length, 20, "no message twice");
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        "in commit order",
      );
      assert.equal(socket.all("ack").filter((f) => String(f.id).startsWith("g")).length, 10);
    }
    await Promise.all(sockets.map((s) => s.close()));
  });

  it("keeps seqs gapless and unique when every node writes to one conversation at once", async () => {
    const [a, b, c] = users as [TestUser, TestUser, TestUser];
    const group = await client(cluster.nodes[0]!.url).post(
      "/api/v1/conversations",
      { type: "group", title: "contention", member_ids: [b.id, c.id] },
      { token: a.token },
    );
    const writers = [a, b, c].map((user, i) => ({ user, api: client(cluster.nodes[i]!.url) }));
    await Promise.all(
      writers.flatMap(({ user, api }) =>
        Array.from({ length: 30 }, (_, i) =>
          api.post(
            `/api/v1/conversations/${group.body.id}/messages`,
            { body: `m${i}` },
            { token: user.token },
          ),
        ),
      ),
    );
    const history = await client(cluster.nodes[2]!.url).get(
      `/api/v1/conversations/${group.body.id}/messages?limit=100`,
      {
        token: c.token,
      },
    );
    const seqs = history.body.messages.map((m: { seq: number }) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 90 }, (_, i) => i + 1),
    );
  });

  it("shares presence and session revocation across nodes", async () => {
    const alice = await createUser(cluster.nodes[0]!.url);
    const bob = await createUser(cluster.nodes[1]!.url);
    const chat = await client(cluster.nodes[0]!.url).post(
      "/api/v1/conversations",
      { type: "direct", member_ids: [bob.id] },
      { token: alice.token },
    );
    // Presence flows once bob accepts alice's request.
    await client(cluster.nodes[1]!.url).post(
      `/api/v1/conversations/${chat.body.id}/accept`,
      undefined,
      { token: bob.token },
    );
    const watcher = await connect(cluster.nodes[1]!.url, bob.token);
    const aliceSocket = await connect(cluster.nodes[0]!.url, alice.token);
    const online = await watcher.next((f) => f.type === "presence" && f.user_id === alice.id);
    assert.equal(online.status, "online");
    const onNode2 = await connect(cluster.nodes[2]!.url, alice.token);
    const members = await client(cluster.nodes[1]!.url).get("/api/v1/conversations", {
      token: bob.token,
    });
    const aliceMember = members.body.conversations[0].members.find(
      (m: { user: { id: string } }) => m.user.id === alice.id,
    );
    assert.equal(aliceMember.online, true, "node 1 knows alice is online on other nodes");

    await aliceSocket.close();
    await sleep(300);
    assert.equal(
      watcher.all("presence").filter((f) => f.status === "offline").length,
      0,
      "still online on node 2",
    );
    // Signing out on node 0 closes alice's socket on node 2.
    await client(cluster.nodes[0]!.url).post("/api/v1/auth/logout", undefined, {
      token: alice.token,
    });
    assert.equal((await onNode2.closed).code, 4401);
    const offline = await watcher.next((f) => f.type === "presence" && f.status === "offline");
    assert.equal(offline.user_id, alice.id);
    await watcher.close();
  });

  it("closes a revoked access token's socket on another node within a second", async () => {
    const carol = await createUser(cluster.nodes[0]!.url);
    const made = await client(cluster.nodes[0]!.url).post(
      "/api/v1/tokens",
      { name: "watcher", scopes: ["messages:read"] },
      { token: carol.token },
    );
    assert.equal(made.status, 201, made.text);
    const socket = await connect(cluster.nodes[2]!.url, made.body.token, { via: "protocol" });
    const revokedAt = Date.now();
    const revoked = await client(cluster.nodes[1]!.url).delete(
      `/api/v1/tokens/${made.body.access_token.id}`,
      { token: carol.token },
    );
    assert.equal(revoked.status, 204, revoked.text);
    const closed = await socket.closed;
    assert.equal(closed.code, 4401);
    // Reported, not asserted: timing belongs to the benchmarks, not to a test.
    console.log(`token socket closed on another node ${Date.now() - revokedAt} ms after revoke`);
    const after = await client(cluster.nodes[2]!.url).get("/api/v1/me", {
      token: made.body.token,
    });
    assert.equal(after.status, 401);
  });

  it("holds the sign-in lockout across nodes", async () => {
    const user = await createUser(cluster.nodes[0]!.url);
    for (let i = 0; i < 5; i++) {
      const res = await client(cluster.nodes[i % 3]!.url).post("/api/v1/auth/login", {
        username: user.username,
        password: "wrong password",
      });
      assert.equal(res.status, 401);
    }
    const locked = await client(cluster.nodes[2]!.url).post("/api/v1/auth/login", {
      username: user.username,
      password: user.password,
    });
    assert.equal(locked.status, 429);
  });

  it("takes a 5 MB attachment through nginx, and every node serves it", async () => {
    const [a, b] = users as [TestUser, TestUser];
    const chat = await createDirect(cluster.url, a, b);
    const bytes = randomBytes(5 * 1024 * 1024);
    const form = new FormData();
    form.append("file", new Blob([bytes]), "report.bin");
    const uploaded = await fetch(`${cluster.url}/api/v1/conversations/${chat.id}/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.token}` },
      body: form,
    });
    const view = (await uploaded.json()) as { id: string; size: number };
    assert.equal(uploaded.status, 201, JSON.stringify(view));
    assert.equal(view.size, bytes.length);
    const sent = await client(cluster.url).post(
      `/api/v1/conversations/${chat.id}/messages`,
      { body: "the report", attachment_ids: [view.id] },
      { token: a.token },
    );
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    for (const node of cluster.nodes) {
      const res = await fetch(`${node.url}/api/v1/attachments/${view.id}`, {
        headers: { authorization: `Bearer ${b.token}` },
      });
      assert.equal(res.status, 200, `node ${node.index}`);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), `node ${node.index}`);
    }
  });

  it("moves a killed node's clients through nginx to another node, with nothing missing or doubled", async () => {
    const byNode = await addressesByNode(cluster);
    const victim = [...byNode.keys()].find((index) => index !== 0);
    assert.ok(victim !== undefined, "some address reaches a node other than node 0");
    const address = byNode.get(victim) as string;
    const reader = await createUser(cluster.nodes[0]!.url);
    const writer = await createUser(cluster.nodes[0]!.url);
    const writerApi = new ApiClient({ baseUrl: cluster.nodes[0]!.url, token: writer.token });
    const conversation = await writerApi.createConversation({
      type: "direct",
      member_ids: [reader.id],
    });

    class FromAddress extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { localAddress: address });
      }
    }
    const socket = new ChatSocket({
      baseUrl: cluster.url,
      token: () => reader.token,
      WebSocket: FromAddress as unknown as WebSocketFactory,
      backoff: { baseMs: 50, maxMs: 500 },
    });
    const received: StoredEvent[] = [];
    socket.on("event", (event) => received.push(event));
    socket.connect();
    await until(() => socket.state === "open", "the reader's socket");
    const before = await getFrom(`${cluster.url}/status`, address);
    assert.equal(before.body.node_id, cluster.nodes[victim]!.nodeId);

    for (let i = 0; i < 10; i++)
      await writerApi.sendMessage(conversation.id, { body: `before ${i}` });
    await until(
      () => received.filter((e) => e.type === "message.new").length >= 10,
      "the first messages",
    );
    await cluster.kill(victim);
    for (let i = 0; i < 10; i++)
      await writerApi.sendMessage(conversation.id, { body: `after ${i}` });
    const replies = Array.from({ length: 5 }, (_, i) => socket.send(conversation.id, `reply ${i}`));
    await until(
      () => received.filter((e) => e.type === "message.new").length >= 20,
      "the reader to resume",
      30_000,
    );
    await Promise.all(replies);
    await sleep(200);
    const bodies = received
      .filter((e) => e.type === "message.new")
      .map((e) => (e as { message: { body: string } }).message.body);
    assert.deepEqual(bodies, [
      ...Array.from({ length: 10 }, (_, i) => `before ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `after ${i}`),
    ]);
    const after = await getFrom(`${cluster.url}/status`, address);
    assert.notEqual(
      after.body.node_id,
      cluster.nodes[victim]!.nodeId,
      "nginx sent the client to a live node",
    );
    const history = await writerApi.history(conversation.id, { limit: 100 });
    assert.equal(
      history.filter((m) => m.body.startsWith("reply ")).length,
      5,
      "each reply stored once",
    );
    socket.close();
  });
});
