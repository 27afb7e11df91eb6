import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import WebSocket from "ws";
import { PRESENCE_MAX_MEMBERS } from "../../src/realtime/presence-rooms.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame, refusedStatus, sleep, socketUrl } from "../helpers/socket.js";

forEachEngine("realtime delivery", { redis: true }, ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server.stop());

  async function direct(a: TestUser, b: TestUser): Promise<string> {
    const res = await api.post(
      "/api/v1/conversations",
      { type: "direct", member_ids: [b.id] },
      { token: a.token },
    );
    assert.ok(res.status === 201 || res.status === 200, res.text);
    // Strangers' chats begin as requests; these tests chat as people who accepted.
    if (res.body.request === "sent") {
      const accepted = await api.post(`/api/v1/conversations/${res.body.id}/accept`, undefined, {
        token: b.token,
      });
      assert.equal(accepted.status, 200, accepted.text);
    }
    return res.body.id;
  }

  it("closes with 4401 without a valid token, and accepts the bearer subprotocol", async () => {
    for (const url of [socketUrl(server.url), socketUrl(server.url, "garbage")]) {
      const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
        ws.once("error", reject);
      });
      assert.equal(closed.code, 4401);
      assert.match(closed.reason, /^unauthorized: /);
    }
    assert.equal(await refusedStatus(`${server.url.replace("http", "ws")}/elsewhere`), 404);
    const user = await createUser(server.url);
    const socket = await connect(server.url, user.token, { via: "protocol" });
    assert.equal(socket.ws.protocol, `bearer.${user.token}`);
    assert.equal(socket.frames[0]?.user.id, user.id);
    assert.equal(typeof socket.frames[0]?.cursor, "number");
    await socket.close();
  });

  it("refuses a foreign Origin and accepts the server's own", async () => {
    const user = await createUser(server.url);
    const status = await refusedStatus(socketUrl(server.url, user.token), undefined, {
      origin: "https://evil.example",
    });
    assert.equal(status, 403);
    const own = await connect(server.url, user.token, { headers: { origin: server.url } });
    await own.close();
  });

  it("delivers each message once, in order, to every socket of every member; acks the sender", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = await direct(alice, bob);
    const a1 = await connect(server.url, alice.token);
    const a2 = await connect(server.url, alice.token, { via: "protocol" });
    const b1 = await connect(server.url, bob.token);
    const count = 20;
    for (let i = 0; i < count; i++) {
      a1.send({
        type: "message.send",
        id: i,
        conversation_id: conversation,
        body: `m${i}`,
        client_id: `c${i}`,
      });
    }
    for (let i = 0; i < count; i++) {
      const ack = await a1.next((f) => f.type === "ack");
      assert.equal(ack.id, i);
      assert.equal(ack.message.body, `m${i}`);
      assert.equal(ack.message.seq, i + 1);
    }
    for (const socket of [a2, b1]) {
      const bodies: string[] = [];
      for (let i = 0; i < count; i++)
        bodies.push((await socket.next((f) => f.type === "message.new")).message.body);
      assert.deepEqual(
        bodies,
        Array.from({ length: count }, (_, i) => `m${i}`),
      );
    }
    await sleep(100);
    assert.equal(a1.all("message.new").length, 0, "the sending socket gets acks, not copies");
    assert.equal(b1.all("message.new").length, count, "no duplicates");
    const cursors = b1.all("message.new").map((f) => f.cursor as number);
    assert.deepEqual(
      cursors,
      [...cursors].sort((x, y) => x - y),
    );
    await Promise.all([a1.close(), a2.close(), b1.close()]);
  });

  it("acks only what is committed, and a repeated client_id yields one message", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = await direct(alice, bob);
    const socket = await connect(server.url, alice.token);
    socket.send({
      type: "message.send",
      id: "first",
      conversation_id: conversation,
      body: "once",
      client_id: "same",
    });
    const ack = await socket.next((f) => f.type === "ack");
    const stored = await server.ctx.store.messages.byId(ack.message.id);
    assert.equal(stored?.body, "once", "the acked message is in the database");
    socket.send({
      type: "message.send",
      id: "again",
      conversation_id: conversation,
      body: "once",
      client_id: "same",
    });
    const repeat = await socket.next((f) => f.type === "ack");
    assert.equal(repeat.id, "again");
    assert.equal(repeat.duplicate, true);
    assert.equal(repeat.message.id, ack.message.id);
    const history = await api.get(`/api/v1/conversations/${conversation}/messages`, {
      token: bob.token,
    });
    assert.equal(history.body.messages.length, 1);
    await socket.close();
  });

  it("tells a non-member nothing: no events, and not_found for its frames", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const eve = await createUser(server.url);
    const conversation = await direct(alice, bob);
    const spy = await connect(server.url, eve.token);
    spy.send({ type: "message.send", id: 1, conversation_id: conversation, body: "let me in" });
    const refused = await spy.next((f) => f.type === "error");
    assert.equal(refused.code, "not_found");
    spy.send({
      type: "message.send",
      id: 2,
      conversation_id: "no-such-conversation",
      body: "hello",
    });
    const unknown = await spy.next((f) => f.type === "error");
    assert.equal(
      unknown.message,
      refused.message,
      "a real and a made-up conversation look the same",
    );
    spy.send({ type: "typing", conversation_id: conversation });
    assert.equal((await spy.next((f) => f.type === "error")).code, "not_found");
    spy.send({ type: "read", conversation_id: conversation, seq: 1 });
    assert.equal((await spy.next((f) => f.type === "error")).code, "not_found");
    await api.post(
      `/api/v1/conversations/${conversation}/messages`,
      { body: "secret" },
      { token: alice.token },
    );
    spy.send({ type: "sync", since: 0 });
    await spy.next((f) => f.type === "synced");
    await sleep(100);
    const leaked = spy.frames.filter(
      (f) => JSON.stringify(f).includes(conversation) && f.type !== "error",
    );
    assert.deepEqual(leaked, []);
    await spy.close();
  });

  it("sync after a disconnect returns exactly the missed events, in order", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = await direct(alice, bob);
    const first = await connect(server.url, bob.token);
    await api.post(
      `/api/v1/conversations/${conversation}/messages`,
      { body: "before" },
      { token: alice.token },
    );
    const seen = await first.next((f) => f.type === "message.new");
    await first.close();

    for (let i = 0; i < 5; i++) {
      await api.post(
        `/api/v1/conversations/${conversation}/messages`,
        { body: `missed ${i}` },
        { token: alice.token },
      );
    }
    const second = await connect(server.url, bob.token);
    second.send({ type: "sync", since: seen.cursor, id: "s1" });
    const synced = await second.next((f) => f.type === "synced");
    assert.equal(synced.id, "s1");
    assert.equal(synced.has_more, false);
    const replayed = second.frames.filter((f) => f.type === "message.new");
    assert.deepEqual(
      replayed.map((f) => f.message.body),
      ["missed 0", "missed 1", "missed 2", "missed 3", "missed 4"],
    );
    const cursors = replayed.map((f) => f.cursor as number);
    assert.ok(cursors.every((c, i) => i === 0 || c > (cursors[i - 1] as number)));
    assert.ok(synced.cursor >= (cursors.at(-1) as number));

    // Live delivery continues after the sync, and a second sync from the new cursor is empty.
    await api.post(
      `/api/v1/conversations/${conversation}/messages`,
      { body: "live" },
      { token: alice.token },
    );
    assert.equal((await second.next((f) => f.type === "message.new")).message.body, "live");
    const rest = await api.get(`/api/v1/sync?since=${synced.cursor}`, { token: bob.token });
    assert.deepEqual(
      rest.body.events.map((e: Frame) => e.message?.body),
      ["live"],
    );
    await second.close();
  });

  it("relays typing to the others, throttled, and presence to people who share a conversation", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = await direct(alice, bob);
    const b = await connect(server.url, bob.token);
    const a = await connect(server.url, alice.token);
    const online = await b.next((f) => f.type === "presence");
    assert.deepEqual([online.user_id, online.status], [alice.id, "online"]);
    a.send({ type: "typing", conversation_id: conversation });
    a.send({ type: "typing", conversation_id: conversation });
    const typing = await b.next((f) => f.type === "typing");
    assert.equal(typing.user_id, alice.id);
    await sleep(150);
    assert.equal(b.all("typing").length, 1, "one typing notice per 2 s");
    assert.equal(a.all("typing").length, 0);
    await a.close();
    const offline = await b.next((f) => f.type === "presence" && f.status === "offline");
    assert.equal(offline.user_id, alice.id);
    assert.equal(typeof offline.last_seen_at, "number");
    await b.close();
  });

  it("carries no presence through a group of more than 100 members, whose members still show online", async () => {
    const people = await Promise.all(
      Array.from({ length: PRESENCE_MAX_MEMBERS + 1 }, () => createUser(server.url)),
    );
    const [owner, watcher, ...others] = people as [TestUser, TestUser, ...TestUser[]];
    const large = await createGroup(server.url, owner, [watcher, ...others]);
    const small = await createGroup(server.url, owner, [watcher]);
    const w = await connect(server.url, watcher.token);
    const o = await connect(server.url, owner.token);
    // The small group carries the owner's coming online; then the large group's message
    // proves everything before it has arrived.
    const online = await w.next((f) => f.type === "presence");
    assert.equal(online.user_id, owner.id);
    await api.post(
      `/api/v1/conversations/${large.id}/messages`,
      { body: "all hands" },
      { token: owner.token },
    );
    await w.next((f) => f.type === "message.new" && f.conversation_id === large.id);
    assert.equal(w.all("presence").length, 1);
    const view = await api.get(`/api/v1/conversations/${large.id}`, { token: watcher.token });
    const ownerView = view.body.members.find(
      (m: { user: { id: string } }) => m.user.id === owner.id,
    );
    assert.equal(ownerView.online, true);

    // Without the small group, the owner's going offline reaches no one.
    const left = await api.delete(`/api/v1/conversations/${small.id}/members/${watcher.id}`, {
      token: watcher.token,
    });
    assert.equal(left.status, 204, left.text);
    await o.close();
    await api.post(
      `/api/v1/conversations/${large.id}/messages`,
      { body: "after" },
      { token: others[0]!.token },
    );
    await w.next((f) => f.type === "message.new" && f.message.body === "after");
    assert.equal(w.all("presence").length, 1);
    await w.close();
  });

  it("sends read positions to the other members", async () => {
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = await direct(alice, bob);
    await api.post(
      `/api/v1/conversations/${conversation}/messages`,
      { body: "read me" },
      { token: alice.token },
    );
    const a = await connect(server.url, alice.token);
    const b = await connect(server.url, bob.token);
    b.send({ type: "read", conversation_id: conversation, seq: 1 });
    const read = await a.next((f) => f.type === "read");
    assert.deepEqual([read.user_id, read.seq], [bob.id, 1]);
    const list = await api.get("/api/v1/conversations", { token: bob.token });
    assert.equal(list.body.conversations[0].unread_count, 0);
    await Promise.all([a.close(), b.close()]);
  });

  it("follows group membership: added members start hearing, removed members stop", async () => {
    const owner = await createUser(server.url);
    const carol = await createUser(server.url);
    const group = await api.post(
      "/api/v1/conversations",
      { type: "group", title: "team", member_ids: [] },
      { token: owner.token },
    );
    const id = group.body.id as string;
    const c = await connect(server.url, carol.token);
    await api.post(
      `/api/v1/conversations/${id}/members`,
      { user_ids: [carol.id] },
      { token: owner.token },
    );
    const joined = await c.next((f) => f.type === "member.joined");
    assert.equal(joined.user.id, carol.id);
    await api.post(
      `/api/v1/conversations/${id}/messages`,
      { body: "welcome" },
      { token: owner.token },
    );
    assert.equal((await c.next((f) => f.type === "message.new")).message.body, "welcome");
    await api.delete(`/api/v1/conversations/${id}/members/${carol.id}`, { token: owner.token });
    const left = await c.next((f) => f.type === "member.left");
    assert.equal(left.user_id, carol.id);
    await api.post(
      `/api/v1/conversations/${id}/messages`,
      { body: "after you left" },
      { token: owner.token },
    );
    await sleep(150);
    assert.ok(!c.frames.some((f) => f.message?.body === "after you left"));
    assert.equal(c.all("member.left").length, 1, "the removed member gets one member.left");
    await c.close();
  });
});
