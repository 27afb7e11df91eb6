import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import { createDirect, createGroup, sendMany, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("messages API: edits, deletes, reactions and unread counts", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, history, seqs, conversation } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("editing and deleting", () => {
    it("only the author edits; an edit sets edited_at", async () => {
      const [owner, author, other] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [author, other], "edits");
      const message = await sendMessage(server.url, author, group.id, "typo");
      const edited = await api.patch<MessageView>(
        `${V1}/messages/${message.id}`,
        { body: "fixed" },
        as(author),
      );
      assert.equal(edited.status, 200);
      assert.equal(edited.body.id, message.id);
      assert.equal(edited.body.seq, message.seq);
      assert.equal(edited.body.body, "fixed");
      assert.equal(typeof edited.body.edited_at, "number");
      assert.ok(edited.body.edited_at! >= message.created_at);
      const fetched = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(other));
      assert.equal(fetched.body.body, "fixed");
      assert.equal(fetched.body.edited_at, edited.body.edited_at);
      const [inHistory] = await history(other, group.id);
      assert.equal(inHistory?.body, "fixed");
      assert.equal(inHistory?.edited_at, edited.body.edited_at);

      for (const user of [other, owner]) {
        const res = await api.patch(`${V1}/messages/${message.id}`, { body: "hijack" }, as(user));
        assert.equal(res.status, 403);
        assert.equal(res.body.error.code, "forbidden");
      }
      const empty = await api.patch(`${V1}/messages/${message.id}`, { body: " " }, as(author));
      assert.equal(empty.status, 400);
      assert.equal(empty.body.error.code, "body_empty");
      const long = await api.patch(
        `${V1}/messages/${message.id}`,
        { body: "y".repeat(4001) },
        as(author),
      );
      assert.equal(long.status, 400);
      assert.equal(long.body.error.code, "body_too_long");
      assert.equal(
        (await api.get<MessageView>(`${V1}/messages/${message.id}`, as(author))).body.body,
        "fixed",
      );
      const unknown = await api.patch(`${V1}/messages/${randomUUID()}`, { body: "x" }, as(author));
      assert.equal(unknown.status, 404);
    });

    it("the author deletes: body becomes empty, deleted: true, a tombstone stays in history", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const keep1 = await sendMessage(server.url, a, direct.id, "keep");
      const doomed = await sendMessage(server.url, a, direct.id, "regret");
      const keep3 = await sendMessage(server.url, b, direct.id, "after");

      const notYours = await api.delete(`${V1}/messages/${doomed.id}`, as(b));
      assert.equal(notYours.status, 403, "in a direct conversation only the author deletes");
      assert.equal(notYours.body.error.code, "forbidden");

      const res = await api.delete<MessageView>(`${V1}/messages/${doomed.id}`, as(a));
      assert.equal(res.status, 200);
      assert.equal(res.body.id, doomed.id);
      assert.equal(res.body.body, "");
      assert.equal(res.body.deleted, true);
      assert.equal(res.body.seq, 2);

      const all = await history(b, direct.id);
      assert.deepEqual(seqs(all), [1, 2, 3]);
      assert.deepEqual(
        all.map((m) => m.id),
        [keep1.id, doomed.id, keep3.id],
      );
      assert.equal(all[1]!.body, "");
      assert.equal(all[1]!.deleted, true);
      assert.equal(all[0]!.deleted, undefined);
      const fetched = await api.get<MessageView>(`${V1}/messages/${doomed.id}`, as(b));
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.body, "");
      assert.equal(fetched.body.deleted, true);

      const edit = await api.patch(`${V1}/messages/${doomed.id}`, { body: "undo" }, as(a));
      assert.equal(edit.status, 409);
      assert.equal(edit.body.error.code, "conflict");
      const again = await api.delete<MessageView>(`${V1}/messages/${doomed.id}`, as(a));
      assert.equal(again.status, 200, "deleting twice is harmless");
      assert.equal(again.body.deleted, true);
      assert.equal(again.body.body, "");
    });

    it("a group admin or the owner deletes others' messages; plain members may not", async () => {
      const [owner, admin, member, author] = (await users(4)) as [
        TestUser,
        TestUser,
        TestUser,
        TestUser,
      ];
      const group = await createGroup(server.url, owner, [admin, member, author], "moderation");
      await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "admin" },
        as(owner),
      );
      const m1 = await sendMessage(server.url, author, group.id, "spam 1");
      const m2 = await sendMessage(server.url, author, group.id, "spam 2");
      const byMember = await api.delete(`${V1}/messages/${m1.id}`, as(member));
      assert.equal(byMember.status, 403);
      assert.equal(byMember.body.error.code, "forbidden");
      const byAdmin = await api.delete<MessageView>(`${V1}/messages/${m1.id}`, as(admin));
      assert.equal(byAdmin.status, 200);
      assert.equal(byAdmin.body.deleted, true);
      const byOwner = await api.delete<MessageView>(`${V1}/messages/${m2.id}`, as(owner));
      assert.equal(byOwner.status, 200);
      assert.equal(byOwner.body.deleted, true);
      const all = await history(author, group.id);
      assert.deepEqual(
        all.map((m) => [m.seq, m.body, m.deleted]),
        [
          [1, "", true],
          [2, "", true],
        ],
      );
      const last = await conversation(member, group.id);
      assert.equal(last.last_message?.id, m2.id);
      assert.equal(last.last_message?.deleted, true);
      assert.equal(last.last_message?.body, "");
    });
  });

  describe("reactions", () => {
    it("aggregate per emoji with count and user_ids; adding twice is idempotent", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, a, [b, c], "reactions");
      const message = await sendMessage(server.url, c, group.id, "react to me");
      const react = (user: TestUser, emoji: string) =>
        api.post<MessageView>(`${V1}/messages/${message.id}/reactions`, { emoji }, as(user));

      const first = await react(a, "👍");
      assert.equal(first.status, 200);
      assert.equal(first.body.id, message.id);
      assert.deepEqual(first.body.reactions, [{ emoji: "👍", count: 1, user_ids: [a.id] }]);
      const second = await react(b, "👍");
      assert.deepEqual(second.body.reactions, [{ emoji: "👍", count: 2, user_ids: [a.id, b.id] }]);
      const twice = await react(a, "👍");
      assert.equal(twice.status, 200);
      assert.deepEqual(twice.body.reactions, second.body.reactions, "idempotent");
      const heart = await react(b, "❤️");
      assert.deepEqual(heart.body.reactions, [
        { emoji: "👍", count: 2, user_ids: [a.id, b.id] },
        { emoji: "❤️", count: 1, user_ids: [b.id] },
      ]);

      const fetched = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(c));
      assert.deepEqual(fetched.body.reactions, heart.body.reactions);
      const [inHistory] = await history(c, group.id);
      assert.deepEqual(inHistory?.reactions, heart.body.reactions);
    });

    it("DELETE /messages/:id/reactions/:emoji removes one's own reaction (URL-encoded)", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const message = await sendMessage(server.url, a, direct.id, "hi");
      const family = "👨‍👩‍👧";
      for (const [user, emoji] of [
        [a, "👍"],
        [b, "👍"],
        [b, family],
      ] as const) {
        const res = await api.post(`${V1}/messages/${message.id}/reactions`, { emoji }, as(user));
        assert.equal(res.status, 200, res.text);
      }
      const thumbs = encodeURIComponent("👍");
      const removed = await api.delete<MessageView>(
        `${V1}/messages/${message.id}/reactions/${thumbs}`,
        as(a),
      );
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.reactions, [
        { emoji: "👍", count: 1, user_ids: [b.id] },
        { emoji: family, count: 1, user_ids: [b.id] },
      ]);
      const removedAgain = await api.delete<MessageView>(
        `${V1}/messages/${message.id}/reactions/${thumbs}`,
        as(a),
      );
      assert.equal(removedAgain.status, 200, "removing a missing reaction is harmless");
      assert.deepEqual(removedAgain.body.reactions, removed.body.reactions);
      const zwj = await api.delete<MessageView>(
        `${V1}/messages/${message.id}/reactions/${encodeURIComponent(family)}`,
        as(b),
      );
      assert.equal(zwj.status, 200);
      assert.deepEqual(zwj.body.reactions, [{ emoji: "👍", count: 1, user_ids: [b.id] }]);
      const last = await api.delete<MessageView>(
        `${V1}/messages/${message.id}/reactions/${thumbs}`,
        as(b),
      );
      assert.equal(last.status, 200);
      assert.deepEqual(last.body.reactions ?? [], []);
      const fetched = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(a));
      assert.deepEqual(fetched.body.reactions ?? [], []);
    });

    it("rejects bad emoji, and reactions on deleted messages (which lose theirs)", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const message = await sendMessage(server.url, a, direct.id, "hi");
      for (const emoji of ["", "   ", "abcdefghi"]) {
        const res = await api.post(`${V1}/messages/${message.id}/reactions`, { emoji }, as(b));
        assert.equal(res.status, 400, JSON.stringify(emoji));
        assert.equal(res.body.error.code, "invalid_request");
      }
      const unknown = await api.post(
        `${V1}/messages/${message.id}/reactions`,
        { emoji: "👍", skin: 3 },
        as(b),
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
      const ok = await api.post(`${V1}/messages/${message.id}/reactions`, { emoji: "👍" }, as(b));
      assert.equal(ok.status, 200);
      await api.delete(`${V1}/messages/${message.id}`, as(a));
      const tombstone = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(b));
      assert.equal(tombstone.body.reactions, undefined);
      const late = await api.post(`${V1}/messages/${message.id}/reactions`, { emoji: "🎉" }, as(b));
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, "conflict");
      const missing = await api.post(
        `${V1}/messages/${randomUUID()}/reactions`,
        { emoji: "👍" },
        as(b),
      );
      assert.equal(missing.status, 404);
    });
  });

  describe("unread counts", () => {
    it("others' messages count as unread; read lowers the count; own messages never count", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, a, [b, c], "unread");
      await sendMany(server.url, a, group.id, 3, "from a");
      assert.equal((await conversation(a, group.id)).unread_count, 0, "own messages");
      assert.equal((await conversation(b, group.id)).unread_count, 3);
      assert.equal((await conversation(c, group.id)).unread_count, 3);
      const listed = (await api.get(`${V1}/conversations`, as(b))).body.conversations;
      assert.equal(listed.find((x: ConversationView) => x.id === group.id).unread_count, 3);

      const read = await api.post(`${V1}/conversations/${group.id}/read`, { seq: 2 }, as(b));
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, { read_seq: 2 });
      const afterRead = await conversation(b, group.id);
      assert.equal(afterRead.unread_count, 1);
      assert.equal(afterRead.members.find((m) => m.user.id === b.id)?.read_seq, 2);
      assert.equal((await conversation(c, group.id)).unread_count, 3, "per member");

      const backwards = await api.post(`${V1}/conversations/${group.id}/read`, { seq: 1 }, as(b));
      assert.equal(backwards.status, 200);
      assert.deepEqual(backwards.body, { read_seq: 2 }, "a read mark never moves back");
      assert.equal((await conversation(b, group.id)).unread_count, 1);

      const beyond = await api.post(`${V1}/conversations/${group.id}/read`, { seq: 999 }, as(b));
      assert.deepEqual(beyond.body, { read_seq: 3 }, "clamped to the last seq");
      assert.equal((await conversation(b, group.id)).unread_count, 0);

      await sendMessage(server.url, b, group.id, "from b");
      assert.equal((await conversation(b, group.id)).unread_count, 0);
      assert.equal((await conversation(a, group.id)).unread_count, 1);
      assert.equal((await conversation(c, group.id)).unread_count, 4);
    });

    it("deleted messages do not count; bad read bodies are 400", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const m1 = await sendMessage(server.url, a, direct.id, "one");
      await sendMessage(server.url, a, direct.id, "two");
      assert.equal((await conversation(b, direct.id)).unread_count, 2);
      await api.delete(`${V1}/messages/${m1.id}`, as(a));
      assert.equal((await conversation(b, direct.id)).unread_count, 1);
      for (const body of [{}, { seq: -1 }, { seq: "2" }, { seq: 1.5 }, { seq: 1, at: 2 }]) {
        const res = await api.post(`${V1}/conversations/${direct.id}/read`, body, as(b));
        assert.equal(res.status, 400, JSON.stringify(body));
      }
    });
  });
});
