/**
 * The server's real frames match the protocol's schemas exactly. A scripted session over
 * real sockets makes the server send every server frame type; each frame is decoded with
 * the strict decoder (an unknown field, a missing one or a value the schema would have to
 * replace fails), on both database engines. The close codes the server uses are checked
 * against the close-code catalogue.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeWith } from "@private-chat/protocol/decode";
import {
  CHAT_EVENT_TYPES,
  closeAdvice,
  closeCodeCatalogue,
  decodeServerFrame,
  SERVER_FRAME_TYPES,
  storedEvent,
} from "@private-chat/protocol/frames";
import sharp from "sharp";
import WebSocket from "ws";
import { deviceCalls, keyPackages } from "../api/devices-fixture.js";
import { ENGINES } from "../helpers/databases.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, type Frame, socketUrl, type TestSocket } from "../helpers/socket.js";

/** Why the strict decoder refuses a received frame, if it does. */
function nonConforming(frame: Frame): string[] {
  const decoded = decodeServerFrame(JSON.stringify(frame), { strict: true });
  return decoded.ok ? [] : [`${frame.type}: ${decoded.problem} in ${JSON.stringify(frame)}`];
}

/** Opens a socket with `?since=` and collects its frames up to the replay's `synced`. */
function resume(baseUrl: string, token: string, since: number): Promise<Frame[]> {
  const url = `${socketUrl(baseUrl, token)}&since=${since}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Frame[] = [];
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      frames.push(frame);
      if (frame.type === "synced") {
        ws.close();
        resolve(frames);
      }
    });
    ws.once("error", reject);
    ws.once("close", (code) => reject(new Error(`closed with ${code} before synced`)));
  });
}

const ofType = (type: string) => (f: Frame) => f.type === type;

async function upload(baseUrl: string, user: TestUser, conversationId: string): Promise<string> {
  const png = await sharp({
    create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } },
  })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "dot.png");
  const response = await fetch(
    new URL(`/api/v1/conversations/${conversationId}/attachments`, baseUrl),
    {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}` },
      body: form,
    },
  );
  const body = (await response.json()) as { id: string };
  assert.equal(response.status, 201, JSON.stringify(body));
  return body.id;
}

for (const engine of ENGINES) {
  describe(`server frames conform to the protocol (${engine})`, () => {
    let server: TestServer;
    let api: ReturnType<typeof client>;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database: engine });
      api = client(server.url);
    });
    after(() => server.stop());

    it("every frame of a scripted session decodes strictly, and every frame type occurs", async () => {
      const alice = await createUser(server.url);
      const bob = await createUser(server.url);
      const carol = await createUser(server.url);
      const a = await connect(server.url, alice.token);
      const sockets: TestSocket[] = [a];
      try {
        const group = await api.post(
          "/api/v1/conversations",
          { type: "group", title: "frames", member_ids: [bob.id] },
          { token: alice.token },
        );
        assert.equal(group.status, 201, group.text);
        const conversationId: string = group.body.id;
        await a.next(ofType("conversation.created"));

        // Bob's first socket makes Alice see him online.
        const b = await connect(server.url, bob.token);
        sockets.push(b);
        await a.next((f) => f.type === "presence" && f.status === "online");

        // A send with an attachment, a reply and a mention; then the same send again.
        const attachmentId = await upload(server.url, alice, conversationId);
        a.send({
          type: "message.send",
          id: "first",
          conversation_id: conversationId,
          body: "first",
          client_id: "c-first",
        });
        const first = await a.next(ofType("ack"));
        a.send({
          type: "message.send",
          id: "second",
          conversation_id: conversationId,
          body: `@${bob.username} look`,
          client_id: "c-second",
          reply_to: first.message.id,
          attachment_ids: [attachmentId],
        });
        await a.next((f) => f.type === "ack" && f.id === "second");
        await b.next((f) => f.type === "mention");
        a.send({
          type: "message.send",
          id: 7,
          conversation_id: conversationId,
          body: "first",
          client_id: "c-first",
        });
        assert.equal((await a.next((f) => f.type === "ack" && f.id === 7)).duplicate, true);

        // Edits, reactions and deletes over REST arrive as events.
        const messageId: string = first.message.id;
        const token = { token: alice.token };
        assert.equal(
          (await api.patch(`/api/v1/messages/${messageId}`, { body: "edited" }, token)).status,
          200,
        );
        await b.next(ofType("message.updated"));
        const reacted = await api.post(
          `/api/v1/messages/${messageId}/reactions`,
          { emoji: "👍" },
          { token: bob.token },
        );
        assert.equal(reacted.status, 200, reacted.text);
        await a.next((f) => f.type === "reaction" && f.action === "added");
        await api.delete(`/api/v1/messages/${messageId}/reactions/${encodeURIComponent("👍")}`, {
          token: bob.token,
        });
        await a.next((f) => f.type === "reaction" && f.action === "removed");
        // Pins, by Alice, who owns the group.
        const pinned = await api.post(`/api/v1/messages/${messageId}/pin`, undefined, token);
        assert.equal(pinned.status, 200, pinned.text);
        await b.next(ofType("message.pinned"));
        assert.equal((await api.delete(`/api/v1/messages/${messageId}/pin`, token)).status, 204);
        await b.next(ofType("message.unpinned"));
        const threadReply = await api.post(
          `/api/v1/conversations/${conversationId}/messages`,
          { body: "in a thread", thread_id: messageId },
          token,
        );
        assert.equal(threadReply.status, 201, threadReply.text);
        await b.next(ofType("thread.updated"));
        // Bob answers; Alice reads the thread and stops following it (her own devices hear).
        const bobReply = await api.post(
          `/api/v1/conversations/${conversationId}/messages`,
          { body: "answered", thread_id: messageId },
          { token: bob.token },
        );
        assert.equal(bobReply.status, 201, bobReply.text);
        const threadRead = await api.post(
          `/api/v1/messages/${messageId}/thread/read`,
          { thread_seq: 2 },
          token,
        );
        assert.equal(threadRead.status, 200, threadRead.text);
        await a.next((f) => f.type === "thread.read" && f.thread_seq === 2);
        const unfollow = await api.delete(`/api/v1/messages/${messageId}/follow`, token);
        assert.equal(unfollow.status, 200, unfollow.text);
        await a.next((f) => f.type === "thread.followed" && f.following === false);
        assert.equal((await api.delete(`/api/v1/messages/${messageId}`, token)).status, 200);
        await b.next(ofType("message.deleted"));

        // Read positions and typing over the socket (Bob's reply moved his read to it, so
        // he reads a newer message).
        const latest = await api.post(
          `/api/v1/conversations/${conversationId}/messages`,
          { body: "latest" },
          token,
        );
        assert.equal(latest.status, 201, latest.text);
        await b.next((f) => f.type === "message.new" && f.message.id === latest.body.id);
        b.send({ type: "read", conversation_id: conversationId, seq: latest.body.seq });
        await a.next(ofType("read"));
        b.send({ type: "typing", conversation_id: conversationId });
        await a.next(ofType("typing"));

        // Membership and the group's title.
        assert.equal(
          (await api.patch(`/api/v1/conversations/${conversationId}`, { title: "renamed" }, token))
            .status,
          200,
        );
        await b.next(ofType("conversation.updated"));
        await api.post(
          `/api/v1/conversations/${conversationId}/members`,
          { user_ids: [carol.id] },
          token,
        );
        await b.next(ofType("member.joined"));
        await api.patch(
          `/api/v1/conversations/${conversationId}/members/${carol.id}`,
          { role: "admin" },
          token,
        );
        await b.next(ofType("member.role"));
        await api.delete(`/api/v1/conversations/${conversationId}/members/${carol.id}`, token);
        await b.next(ofType("member.left"));

        // A message request to someone who shares nothing with Alice, accepted.
        const request = await api.post(
          "/api/v1/conversations",
          { type: "direct", member_ids: [carol.id] },
          token,
        );
        assert.equal(request.body.request, "sent", request.text);
        await a.next((f) => f.type === "conversation.created" && f.conversation.request === true);
        const accepted = await api.post(
          `/api/v1/conversations/${request.body.id}/accept`,
          undefined,
          { token: carol.token },
        );
        assert.equal(accepted.status, 200, accepted.text);
        await a.next(ofType("request.accepted"));

        // Notification preferences reach the user's own sockets.
        const muted = await api.put(
          `/api/v1/conversations/${conversationId}/notifications`,
          { level: "mentions", muted_until: null },
          token,
        );
        assert.equal(muted.status, 200, muted.text);
        await a.next(ofType("notifications.updated"));
        const dnd = await api.put(
          "/api/v1/me/notifications",
          { dnd: { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" } },
          token,
        );
        assert.equal(dnd.status, 200, dnd.text);
        await a.next(ofType("dnd.updated"));

        // A claim of one of Alice's device's key packages leaves it low on them.
        const devices = deviceCalls(api);
        const laptop = await devices.register(alice);
        assert.equal((await devices.upload(laptop, await keyPackages(laptop, 2))).status, 200);
        assert.equal((await devices.claim(bob, alice)).status, 200);
        await a.next(ofType("device.key_packages_low"));
        // Removing it is told in Alice's encrypted conversations.
        const sealed = await api.post(
          "/api/v1/conversations",
          { type: "group", title: "sealed", member_ids: [bob.id], encrypted: true },
          { token: alice.token },
        );
        assert.equal(sealed.status, 201, sealed.text);
        await a.next(ofType("conversation.created"));
        const removed = await api.delete(`/api/v1/devices/${laptop.id}`, { token: alice.token });
        assert.equal(removed.status, 204, removed.text);
        await a.next(ofType("device.removed"));

        // Carol deletes her account: her direct conversation with Alice says so.
        const gone = await api.delete("/api/v1/me", {
          token: carol.token,
          body: { password: carol.password },
        });
        assert.equal(gone.status, 204, gone.text);
        await a.next(ofType("member.updated"));

        // Sync, ping and errors (bad JSON, an unknown type, a refused send).
        a.send({ type: "sync", since: 0, id: "s1" });
        await a.next((f) => f.type === "synced" && f.id === "s1");
        a.send({ type: "ping", id: "p1" });
        await a.next(ofType("pong"));
        a.send("{not json");
        await a.next((f) => f.type === "error" && f.code === "invalid_json");
        a.send({ type: "shout", id: "x1" });
        await a.next((f) => f.type === "error" && f.code === "unknown_frame_type");
        a.send({ type: "message.send", id: "x2", conversation_id: "nowhere", body: "hi" });
        await a.next((f) => f.type === "error" && f.id === "x2");

        // A resume with ?since= replays and ends with a `synced` without id.
        const replay = await resume(server.url, alice.token, 0);
        assert.equal(replay.at(-1)?.type, "synced");

        // Bob's last socket closing makes Alice see him offline.
        await b.close();
        await a.next((f) => f.type === "presence" && f.status === "offline");

        const problems = [...sockets.flatMap((s) => s.frames), ...replay].flatMap(nonConforming);
        assert.deepEqual(problems, [], problems.join("\n"));
        const seen = new Set(sockets.flatMap((s) => s.frames.map((f) => f.type)));
        for (const frame of replay) seen.add(frame.type);
        const missing = [...SERVER_FRAME_TYPES].filter((type) => !seen.has(type));
        assert.deepEqual(missing, [], `frame types the session never produced: ${missing}`);

        // The same events over REST sync decode strictly too.
        const sync = await api.get("/api/v1/sync?since=0", token);
        assert.equal(sync.status, 200, sync.text);
        const restProblems = (sync.body.events as unknown[]).flatMap((event) => {
          const decoded = decodeWith(storedEvent, event, { strict: true });
          return decoded.ok ? [] : [decoded.problem];
        });
        assert.deepEqual(restProblems, []);
        const restTypes = new Set((sync.body.events as Frame[]).map((e) => e.type));
        for (const type of CHAT_EVENT_TYPES.filter((t) => t !== "mention"))
          assert.ok(restTypes.has(type), `sync has no ${type} event`);
      } finally {
        for (const socket of sockets) await socket.close();
      }
    });
  });
}

describe("the close codes the server uses are in the catalogue", () => {
  it("4401 on revocation, 1009 on an oversized frame, 1008 on a flood", async () => {
    const server = await startTestServer({
      rate_limit: { socket_frames_per_second: 5, socket_frame_burst: 5 },
    });
    try {
      const user = await createUser(server.url);
      const revoked = await connect(server.url, user.token);
      const big = await connect(server.url, user.token);
      const flood = await connect(server.url, user.token);

      big.send({ type: "ping", pad: "x".repeat(70 * 1024) });
      const tooBig = await big.closed;
      for (let i = 0; i < 240; i++) flood.send({ type: "ping", id: i });
      const flooded = await flood.closed;
      await client(server.url).post("/api/v1/auth/logout", undefined, { token: user.token });
      const ended = await revoked.closed;

      assert.equal(ended.code, closeCodeCatalogue.authentication.code);
      assert.equal(closeAdvice(ended.code).reauthenticate, true);
      assert.equal(closeAdvice(ended.code).reconnect, false);
      assert.equal(tooBig.code, closeCodeCatalogue.tooBig.code);
      assert.equal(flooded.code, closeCodeCatalogue.policyViolation.code);
      for (const { code } of [tooBig, flooded]) {
        assert.notEqual(closeAdvice(code).name, "unknown");
        assert.equal(closeAdvice(code).reauthenticate, false);
      }
    } finally {
      await server.stop();
    }
  });
});
