/**
 * Attacks on message requests and blocks over real sockets: a stranger who opens a direct
 * conversation learns nothing of the other's presence, typing or reading; a declined
 * request sends the one who declined nothing, live or by sync; a blocked person passes
 * no presence or typing and cannot send over the socket.
 *
 * That a frame did not come is shown without waiting on a clock: each check ends with
 * a frame that the server writes after the one that must not come (a pong after the
 * socket's own request, or a later event in cursor order).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import {
  acceptRequest,
  createDirect,
  createGroup,
  requestDirect,
  sendMessage,
} from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame, type TestSocket } from "../helpers/socket.js";

const V1 = "/api/v1";
let pings = 0;

/** Resolves once the server has written everything it wrote to `socket` before now. */
async function settle(socket: TestSocket): Promise<void> {
  const id = `settle-${++pings}`;
  socket.send({ type: "ping", id });
  await socket.next((f) => f.type === "pong" && f.id === id);
}

function about(frames: Frame[], conversationId: string): Frame[] {
  return frames.filter((f) => f.conversation_id === conversationId);
}

forEachEngine("message requests and blocks: what leaks", { redis: true }, ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const sockets: TestSocket[] = [];
  const open = async (user: TestUser) => {
    const socket = await connect(server.url, user.token);
    sockets.push(socket);
    return socket;
  };
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(server.url)));

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
  });

  it("a stranger's request reveals no presence, typing or read receipt, either way", async () => {
    const [asker, asked] = (await users(2)) as [TestUser, TestUser];
    const direct = await requestDirect(server.url, asker, asked);
    const askerSocket = await open(asker);
    const askedSocket = await open(asked);
    await settle(askerSocket);
    assert.deepEqual(askerSocket.all("presence"), [], "the asked coming online is not told");
    await settle(askedSocket);
    assert.deepEqual(askedSocket.all("presence"), []);

    askedSocket.send({ type: "typing", conversation_id: direct.id });
    askerSocket.send({ type: "typing", conversation_id: direct.id });
    await settle(askedSocket);
    await settle(askerSocket);
    await settle(askedSocket);
    assert.deepEqual(askerSocket.all("typing"), []);
    assert.deepEqual(askedSocket.all("typing"), []);

    const first = await sendMessage(server.url, asker, direct.id, "hello");
    await askedSocket.next((f) => f.type === "message.new" && f.message.id === first.id);
    const read = await api.post(
      `${V1}/conversations/${direct.id}/read`,
      { seq: first.seq },
      { token: asked.token },
    );
    assert.equal(read.status, 200);
    // The read goes to the reader's own sockets only; a later message marks the order.
    await askedSocket.next((f) => f.type === "read" && f.conversation_id === direct.id);
    const marker = await sendMessage(server.url, asked, direct.id, "marker");
    await askerSocket.next((f) => f.type === "message.new" && f.message.id === marker.id);
    assert.deepEqual(askerSocket.all("read"), [], "no read receipt reaches the asker");
    const synced = await api.get(`${V1}/sync?since=0`, { token: asker.token });
    assert.equal(
      synced.body.events.filter((e: Frame) => e.type === "read").length,
      0,
      "nor by sync",
    );

    // Accepting lets presence flow: the asked going offline is told.
    await acceptRequest(server.url, asked, direct.id);
    await askerSocket.next((f) => f.type === "request.accepted" && f.conversation_id === direct.id);
    const again = await open(asker);
    await settle(again);
    await askedSocket.close();
    const offline = await askerSocket.next((f) => f.type === "presence");
    assert.deepEqual([offline.user_id, offline.status], [asked.id, "offline"]);
  });

  it("a declined request sends the one who declined nothing, live or by sync; the asker sees no change", async () => {
    const [asker, asked, friend] = (await users(3)) as [TestUser, TestUser, TestUser];
    const direct = await requestDirect(server.url, asker, asked);
    const withFriend = await createDirect(server.url, friend, asked);
    const askedSocket = await open(asked);
    const declined = await api.post(`${V1}/conversations/${direct.id}/decline`, undefined, {
      token: asked.token,
    });
    assert.equal(declined.status, 200);
    const syncStart = (await api.get(`${V1}/sync?since=0`, { token: asked.token })).body.cursor;

    const askerSocket = await open(asker);
    await settle(askedSocket);
    assert.deepEqual(askedSocket.all("presence"), []);
    const hidden = await sendMessage(server.url, asker, direct.id, `@${asked.username} please`);
    askerSocket.send({ type: "typing", conversation_id: direct.id });
    await settle(askerSocket);
    // A later event to the one who declined: everything before it would have come first.
    const marker = await sendMessage(server.url, friend, withFriend.id, "marker");
    await askedSocket.next((f) => f.type === "message.new" && f.message.id === marker.id);
    await settle(askedSocket);
    assert.deepEqual(about(askedSocket.frames, direct.id), [], "nothing of the declined request");
    assert.deepEqual(askedSocket.all("mention"), []);

    const synced = await api.get(`${V1}/sync?since=0`, { token: asked.token });
    assert.deepEqual(
      about(synced.body.events, direct.id),
      [],
      "sync holds nothing of it either, not even its creation",
    );
    const since = await api.get(`${V1}/sync?since=${syncStart}`, { token: asked.token });
    assert.deepEqual(
      since.body.events.map((e: Frame) => e.conversation_id),
      [withFriend.id],
    );
    // The asker's message was stored, and their view has not changed.
    const view = await api.get(`${V1}/conversations/${direct.id}`, { token: asker.token });
    assert.equal(view.body.request, "sent");
    assert.equal(view.body.last_message.id, hidden.id);

    // Accepting after all: events flow again, starting with the acceptance.
    await acceptRequest(server.url, asked, direct.id);
    await askedSocket.next((f) => f.type === "request.accepted" && f.conversation_id === direct.id);
    const later = await sendMessage(server.url, asker, direct.id, "thanks");
    await askedSocket.next((f) => f.type === "message.new" && f.message.id === later.id);
  });

  it("a block stops presence and typing both ways in shared groups, and refuses socket sends", async () => {
    const [blocker, blocked, third] = (await users(3)) as [TestUser, TestUser, TestUser];
    const group = await createGroup(server.url, third, [blocker, blocked]);
    const direct = await createDirect(server.url, blocked, blocker);
    const blockRes = await api.post(
      `${V1}/blocks`,
      { user_id: blocked.id },
      { token: blocker.token },
    );
    assert.equal(blockRes.status, 201);

    const blockerSocket = await open(blocker);
    const blockedSocket = await open(blocked);
    await settle(blockerSocket);
    assert.deepEqual(blockerSocket.all("presence"), []);
    const thirdSocket = await open(third);
    // third comes online after blocked: both presence frames would be in this order.
    await blockerSocket.next((f) => f.type === "presence" && f.user_id === third.id);
    assert.deepEqual(
      blockerSocket.all("presence").map((f) => f.user_id),
      [third.id],
    );
    await settle(blockedSocket);
    assert.equal(
      blockedSocket.all("presence").some((f) => f.user_id === blocker.id),
      false,
      "the blocked person does not learn the blocker is online",
    );

    blockedSocket.send({ type: "typing", conversation_id: group.id });
    await settle(blockedSocket);
    thirdSocket.send({ type: "typing", conversation_id: group.id });
    const typing = await blockerSocket.next((f) => f.type === "typing");
    assert.equal(typing.user_id, third.id, "the blocked person's typing never came");
    blockerSocket.send({ type: "typing", conversation_id: direct.id });
    blockerSocket.send({ type: "typing", conversation_id: group.id });
    await settle(blockerSocket);
    await settle(blockedSocket);
    assert.deepEqual(
      blockedSocket.all("typing").filter((f) => f.user_id === blocker.id),
      [],
    );

    blockedSocket.send({
      type: "message.send",
      id: "refused",
      conversation_id: direct.id,
      body: "let me in",
    });
    const refused = await blockedSocket.next((f) => f.type === "error" && f.id === "refused");
    assert.equal(refused.code, "not_accepting");
    // Group messages still flow, in order.
    blockedSocket.send({ type: "message.send", id: "g1", conversation_id: group.id, body: "hi" });
    const ack = await blockedSocket.next((f) => f.type === "ack" && f.id === "g1");
    const seen = await blockerSocket.next((f) => f.type === "message.new");
    assert.equal(seen.message.id, ack.message.id);

    // Lifting the block lets typing through again.
    const lift = await api.delete(`${V1}/blocks/${blocked.id}`, { token: blocker.token });
    assert.equal(lift.status, 204);
    blockedSocket.send({ type: "typing", conversation_id: direct.id });
    const through = await blockerSocket.next((f) => f.type === "typing");
    assert.equal(through.user_id, blocked.id);
  });
});
