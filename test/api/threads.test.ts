/**
 * Threads over REST and the socket, on both engines: replies keep to their thread (gapless
 * thread_seq) and out of the timeline unless sent to both, the root carries the summary,
 * changes reach members live and by sync, and the usual rules (membership periods, who
 * may see what, deletion) hold for replies.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { MessageView, ThreadResponse, ThreadsResponse } from "@private-chat/protocol/chat";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame } from "../helpers/socket.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("threads API", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, send, history, conversation } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });

  const reply = (
    user: TestUser,
    conversationId: string,
    rootId: string,
    body: string,
    also = false,
  ) =>
    sendMessage(server.url, user, conversationId, body, {
      thread_id: rootId,
      ...(also ? { also_to_conversation: true } : {}),
    });
  const threadPage = async (user: TestUser, messageId: string, query = "") => {
    const res = await api.get<ThreadResponse>(
      `${V1}/messages/${messageId}/thread${query}`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const thread = async (user: TestUser, messageId: string, query = "") =>
    (await threadPage(user, messageId, query)).messages;
  const followed = async (user: TestUser, query = "") => {
    const res = await api.get<ThreadsResponse>(`${V1}/threads${query}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const one = async (user: TestUser, messageId: string) => {
    const res = await api.get<MessageView>(`${V1}/messages/${messageId}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const bodies = (list: MessageView[]) => list.map((m) => m.body);

  describe("replies", () => {
    it("go to the root's thread in order, stay out of the timeline, and sum up under the root", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "lunch?");
      const first = await reply(b, direct.id, root.id, "yes");
      assert.equal(first.thread_id, root.id);
      assert.equal(first.thread_seq, 1);
      // A reply to a reply goes to the same root.
      const second = await reply(a, direct.id, first.id, "noon");
      assert.equal(second.thread_id, root.id);
      assert.equal(second.thread_seq, 2);
      const both = await reply(b, direct.id, root.id, "see you there", true);
      assert.equal(both.also_to_conversation, true);
      assert.equal(both.thread_seq, 3);
      const after = await sendMessage(server.url, a, direct.id, "back in the main");

      const timeline = await history(b, direct.id);
      assert.deepEqual(bodies(timeline), ["lunch?", "see you there", "back in the main"]);
      const shownRoot = timeline[0] as MessageView;
      assert.equal(shownRoot.thread?.reply_count, 3);
      assert.equal(shownRoot.thread?.last_reply_at, both.created_at);
      assert.deepEqual(shownRoot.thread?.participant_ids, [b.id, a.id]);
      assert.deepEqual((await one(a, root.id)).thread, shownRoot.thread);
      // Replies take conversation seqs too, so sync and resume stay gapless.
      assert.deepEqual(
        [root, first, second, both, after].map((m) => m.seq),
        [1, 2, 3, 4, 5].map((n) => n + root.seq - 1),
      );

      assert.deepEqual(bodies(await thread(a, root.id)), ["yes", "noon", "see you there"]);
      // Named by a reply, the same thread; paged by thread_seq.
      assert.deepEqual(bodies(await thread(a, second.id, "?after=1")), ["noon", "see you there"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?before=3")), ["yes", "noon"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?limit=1")), ["see you there"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?after=1&limit=1")), ["noon"]);
      assert.deepEqual(await thread(a, after.id), []);

      // Replies kept to the thread do not count as unread in the conversation.
      assert.equal((await conversation(b, direct.id)).unread_count, 1);
      // Nor do they stand for the conversation's last message.
      await reply(a, direct.id, root.id, "a late reply");
      assert.equal((await conversation(b, direct.id)).last_message?.body, "back in the main");
    });

    it("refuses a thread of another conversation, an unknown one, and a lone also_to_conversation", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const ours = await createDirect(server.url, a, b);
      const theirs = await createDirect(server.url, b, c);
      const elsewhere = await sendMessage(server.url, b, theirs.id, "not yours");
      for (const body of [
        { body: "x", thread_id: elsewhere.id },
        { body: "x", thread_id: "no-such-message" },
        { body: "x", also_to_conversation: true },
        { body: "x", thread_id: "" },
        { body: "x", thread_id: elsewhere.id, also_to_conversation: "yes" },
      ]) {
        const res = await send(a, ours.id, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(typeof res.body.error.code, "string");
      }
      // A thread one may not see is not found, like a message that does not exist.
      const hidden = await api.get(`${V1}/messages/${elsewhere.id}/thread`, as(a));
      assert.equal(hidden.status, 404);
      const missing = await api.get(`${V1}/messages/nothing-here/thread`, as(a));
      assert.equal(missing.status, 404);
      assert.deepEqual(await history(a, ours.id), []);
      const bad = await api.get(`${V1}/messages/${elsewhere.id}/thread?limit=0`, as(b));
      assert.equal(bad.status, 400);
    });

    it("give every one of many concurrent replies its own place, with none missing", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "busy thread");
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, i) => reply(i % 2 ? a : b, direct.id, root.id, `r${i}`)),
      );
      const places = sent.map((m) => m.thread_seq).sort((x, y) => (x ?? 0) - (y ?? 0));
      assert.deepEqual(
        places,
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const listed = await thread(b, root.id, "?limit=100");
      assert.deepEqual(
        listed.map((m) => m.thread_seq),
        places,
      );
      assert.equal((await one(b, root.id)).thread?.reply_count, 30);
    });
  });

  describe("live and sync", () => {
    it("a reply over the socket reaches the other member with thread.updated, and sync replays both", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "socket root");
      const sender = await connect(server.url, a.token);
      const watcher = await connect(server.url, b.token);
      try {
        sender.send({
          type: "message.send",
          id: "t1",
          conversation_id: direct.id,
          body: "over the socket",
          thread_id: root.id,
        });
        const ack: Frame = await sender.next((f) => f.type === "ack" && f.id === "t1");
        assert.equal(ack.message.thread_id, root.id);
        assert.equal(ack.message.thread_seq, 1);
        const message: Frame = await watcher.next((f) => f.type === "message.new");
        assert.equal(message.message.thread_id, root.id);
        const updated: Frame = await watcher.next((f) => f.type === "thread.updated");
        assert.equal(updated.conversation_id, direct.id);
        assert.equal(updated.root_id, root.id);
        assert.deepEqual(updated.thread.participant_ids, [a.id]);
        assert.equal(updated.thread.reply_count, 1);
        assert.ok(updated.cursor > message.cursor);

        sender.send({
          type: "message.send",
          id: "t2",
          conversation_id: direct.id,
          body: "nowhere",
          thread_id: "no-such-root",
        });
        const refused: Frame = await sender.next((f) => f.type === "error" && f.id === "t2");
        assert.equal(refused.code, "invalid_request");
      } finally {
        await sender.close();
        await watcher.close();
      }
      const synced = await api.get<{ events: Frame[] }>(`${V1}/sync?since=0`, as(b));
      const mine = synced.body.events.filter((e) => e.conversation_id === direct.id);
      assert.deepEqual(mine.map((e) => e.type).slice(-3), [
        "message.new",
        "message.new",
        "thread.updated",
      ]);
    });
  });

  describe("deletion and membership", () => {
    it("a deleted reply leaves the count; a deleted root keeps its replies", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "root to go");
      const kept = await reply(b, direct.id, root.id, "kept");
      const gone = await reply(b, direct.id, root.id, "gone");
      const watcher = await connect(server.url, a.token);
      try {
        assert.equal((await api.delete(`${V1}/messages/${gone.id}`, as(b))).status, 200);
        const updated: Frame = await watcher.next((f) => f.type === "thread.updated");
        assert.equal(updated.thread.reply_count, 1);
      } finally {
        await watcher.close();
      }
      const deletedRoot = await api.delete<MessageView>(`${V1}/messages/${root.id}`, as(a));
      assert.equal(deletedRoot.status, 200);
      assert.equal(deletedRoot.body.deleted, true);
      assert.equal(deletedRoot.body.thread?.reply_count, 1);
      const listed = await thread(b, root.id);
      assert.deepEqual(
        listed.map((m) => [m.id, m.deleted ?? false]),
        [
          [kept.id, false],
          [gone.id, true],
        ],
      );
      // Edits of a reply keep it in its thread.
      const edited = await api.patch<MessageView>(
        `${V1}/messages/${kept.id}`,
        { body: "kept, edited" },
        as(b),
      );
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.body.thread_id, root.id);
      assert.equal(edited.body.thread_seq, 1);
    });

    it("a member who left and came back sees no replies from while they were away", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "thread periods");
      const root = await sendMessage(server.url, owner, group.id, "root");
      await reply(owner, group.id, root.id, "before leaving");
      const left = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(member),
      );
      assert.equal(left.status, 204, left.text);
      await reply(owner, group.id, root.id, "while away");
      await addMembers(server.url, owner, group.id, [member]);
      await reply(owner, group.id, root.id, "after coming back");
      assert.deepEqual(bodies(await thread(member, root.id)), [
        "before leaving",
        "after coming back",
      ]);
      assert.deepEqual(bodies(await thread(owner, root.id)), [
        "before leaving",
        "while away",
        "after coming back",
      ]);
    });

    it("a member who joined after the root may not reply in its thread", async () => {
      const [owner, late] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [], "late joiner");
      const root = await sendMessage(server.url, owner, group.id, "before you");
      await addMembers(server.url, owner, group.id, [late]);
      const res = await send(late, group.id, { body: "me too", thread_id: root.id });
      assert.equal(res.status, 400, res.text);
      assert.equal((await api.get(`${V1}/messages/${root.id}/thread`, as(late))).status, 404);
    });
  });

  describe("following", () => {
    it("the root's author, repliers and those mentioned follow; the list shows unread replies, newest first", async () => {
      const [a, b, c, d] = (await users(4)) as [TestUser, TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, a, [b, c, d], "following");
      const older = await sendMessage(server.url, a, group.id, "older root");
      const newer = await sendMessage(server.url, c, group.id, "newer root");
      await reply(b, group.id, older.id, "first answer");
      await reply(b, group.id, newer.id, `asking @${d.username}`);
      await reply(a, group.id, older.id, "thanks");

      // a wrote the older root and replied after b: replying reads the thread up to there.
      const forA = await followed(a);
      assert.deepEqual(
        forA.threads.map((t) => [t.root.id, t.unread_count, t.read_thread_seq]),
        [[older.id, 0, 2]],
      );
      assert.equal(forA.threads[0]?.root.thread?.reply_count, 2);
      assert.equal(forA.next_cursor, null);
      // b replied in both: the older thread has the latest reply, so it comes first.
      assert.deepEqual(
        (await followed(b)).threads.map((t) => [t.root.body, t.unread_count]),
        [
          ["older root", 1],
          ["newer root", 0],
        ],
      );
      // c wrote the newer root; d was mentioned in it.
      assert.deepEqual(
        (await followed(c)).threads.map((t) => t.root.id),
        [newer.id],
      );
      assert.deepEqual(
        (await followed(d)).threads.map((t) => [t.root.id, t.unread_count]),
        [[newer.id, 1]],
      );

      // Reading moves the position forward only, and clears the unread count.
      const read = await api.post(
        `${V1}/messages/${newer.id}/thread/read`,
        { thread_seq: 1 },
        as(d),
      );
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body, { read_thread_seq: 1 });
      const back = await api.post(
        `${V1}/messages/${newer.id}/thread/read`,
        { thread_seq: 0 },
        as(d),
      );
      assert.deepEqual(back.body, { read_thread_seq: 1 });
      // Nobody reads past the last reply (the next reply would count as read), and a
      // position no thread can reach is refused, on either engine.
      const ahead = await api.post(
        `${V1}/messages/${newer.id}/thread/read`,
        { thread_seq: 1000 },
        as(d),
      );
      assert.deepEqual(ahead.body, { read_thread_seq: 1 });
      for (const huge of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
        const tooFar = await api.post(
          `${V1}/messages/${newer.id}/thread/read`,
          { thread_seq: huge },
          as(d),
        );
        assert.equal(tooFar.status, 400, tooFar.text);
        for (const key of ["after", "before"]) {
          const paged = await api.get(`${V1}/messages/${newer.id}/thread?${key}=${huge}`, as(d));
          assert.equal(paged.status, 400, paged.text);
          assert.equal(paged.body.error.code, "invalid_request");
        }
      }
      assert.equal((await followed(d)).threads[0]?.unread_count, 0);
      const page = await threadPage(d, newer.id);
      assert.equal(page.following, true);
      assert.equal(page.read_thread_seq, 1);

      // Unfollowing takes it off the list until one replies again.
      const off = await api.delete(`${V1}/messages/${older.id}/follow`, as(a));
      assert.deepEqual(off.body, { following: false });
      assert.deepEqual((await followed(a)).threads, []);
      assert.equal((await threadPage(a, older.id)).following, false);
      await reply(b, group.id, older.id, "still there?");
      assert.deepEqual((await followed(a)).threads, [], "the author stays unfollowed");
      await reply(a, group.id, older.id, "yes");
      assert.deepEqual(
        (await followed(a)).threads.map((t) => t.root.id),
        [older.id],
      );

      // Anyone who sees a message may follow it, even before a reply.
      const quiet = await sendMessage(server.url, a, group.id, "no replies yet");
      const on = await api.put(`${V1}/messages/${quiet.id}/follow`, undefined, as(c));
      assert.deepEqual(on.body, { following: true });
      assert.equal((await threadPage(c, quiet.id)).following, true);
      assert.equal((await one(c, quiet.id)).thread, undefined);
    });

    it("pages followed threads with a cursor, each once, and refuses a made-up cursor", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const roots: MessageView[] = [];
      for (let i = 0; i < 5; i++) {
        const root = await sendMessage(server.url, a, direct.id, `root ${i}`);
        await reply(b, direct.id, root.id, `reply ${i}`);
        roots.push(root);
      }
      const seen: string[] = [];
      let cursor: string | null = "";
      while (cursor !== null) {
        const page = await followed(a, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.threads.map((t) => t.root.id));
        cursor = page.next_cursor;
      }
      assert.deepEqual(seen, roots.map((r) => r.id).reverse());
      for (const bad of ["nonsense", "1.2.3", "x".repeat(300)]) {
        const res = await api.get(`${V1}/threads?cursor=${bad}`, as(a));
        assert.equal(res.status, 400, res.text);
      }
    });

    it("tells only the person's own devices of reads and follows", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "devices");
      await reply(b, direct.id, root.id, "one");
      const other = await connect(server.url, a.token);
      const peer = await connect(server.url, b.token);
      try {
        await api.post(`${V1}/messages/${root.id}/thread/read`, { thread_seq: 1 }, as(a));
        const read: Frame = await other.next((f) => f.type === "thread.read");
        assert.equal(read.root_id, root.id);
        assert.equal(read.thread_seq, 1);
        await api.delete(`${V1}/messages/${root.id}/follow`, as(a));
        const followedFrame: Frame = await other.next((f) => f.type === "thread.followed");
        assert.equal(followedFrame.following, false);
      } finally {
        await other.close();
        await peer.close();
      }
      // Bob hears only of his own: replying followed the thread and read it up to his reply.
      const synced = await api.get<{ events: Frame[] }>(`${V1}/sync?since=0`, as(b));
      const own = synced.body.events
        .filter((e) => e.type === "thread.read" || e.type === "thread.followed")
        .map((e) => [e.type, e.thread_seq ?? e.following]);
      assert.deepEqual(own, [
        ["thread.followed", true],
        ["thread.read", 1],
      ]);
    });
  });
});
