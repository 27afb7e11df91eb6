/**
 * Following threads, on both engines: by writing the root, replying or being mentioned,
 * by choice, the followed list with unread counts, and read positions.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame } from "../helpers/socket.js";
import { V1 } from "./messages-fixture.js";
import { threadsApi } from "./threads-fixture.js";

forEachEngine("threads API: following", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, reply, threadPage, followed, one } = threadsApi(run);
  before(() => {
    ({ server, api } = started());
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
