import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { addMembers, createDirect, createGroup, sendMany, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("messages API: sending and history", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, send, history, seqs, range, conversation } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("sending", () => {
    it("answers 201 with the message; seqs are 1, 2, 3... without gaps", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const first = await send(a, direct.id, { body: "one" });
      assert.equal(first.status, 201);
      assert.equal(typeof first.body.id, "string");
      assert.equal(first.body.conversation_id, direct.id);
      assert.equal(first.body.sender_id, a.id);
      assert.equal(first.body.body, "one");
      assert.equal(first.body.seq, 1);
      assert.equal(first.body.client_id, null);
      assert.equal(typeof first.body.created_at, "number");
      assert.equal(first.body.edited_at, undefined);
      assert.equal(first.body.deleted, undefined);
      const second = await send(b, direct.id, { body: "two" });
      assert.equal(second.body.seq, 2);
      // A refused send does not use up a seq.
      assert.equal((await send(a, direct.id, { body: "" })).status, 400);
      const third = await send(a, direct.id, { body: "three" });
      assert.equal(third.status, 201);
      assert.equal(third.body.seq, 3);
      const all = await history(a, direct.id);
      assert.deepEqual(seqs(all), [1, 2, 3]);
      assert.deepEqual(
        all.map((m) => m.body),
        ["one", "two", "three"],
      );
    });

    it("seqs stay gapless and unique under concurrent sends", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, a, [b, c], "burst");
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => send([a, b, c][i % 3]!, group.id, { body: `m${i}` })),
      );
      for (const r of results) assert.equal(r.status, 201);
      const got = results.map((r) => r.body.seq).sort((x, y) => x - y);
      assert.deepEqual(got, range(1, 30));
      assert.deepEqual(seqs(await history(a, group.id)), range(1, 30));
    });

    it("the same client_id from the same sender answers 200 with the original message", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const clientId = randomUUID();
      const first = await send(a, direct.id, { body: "only once", client_id: clientId });
      assert.equal(first.status, 201);
      assert.equal(first.body.client_id, clientId);
      const again = await send(a, direct.id, { body: "only once", client_id: clientId });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      const changed = await send(a, direct.id, { body: "different text", client_id: clientId });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.id, first.body.id);
      assert.equal(changed.body.body, "only once");
      const next = await send(a, direct.id, { body: "next" });
      assert.equal(next.body.seq, 2, "the duplicate took no seq");
      const all = await history(a, direct.id);
      assert.deepEqual(seqs(all), [1, 2]);
      // Another sender, or another conversation, may use the same client_id.
      const fromB = await send(b, direct.id, { body: "mine", client_id: clientId });
      assert.equal(fromB.status, 201);
      assert.equal(fromB.body.seq, 3);
      const group = await createGroup(server.url, a, [b], "other");
      const elsewhere = await send(a, group.id, { body: "elsewhere", client_id: clientId });
      assert.equal(elsewhere.status, 201);
      assert.equal(elsewhere.body.seq, 1);
    });

    it("concurrent sends with one client_id store one message", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const clientId = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => send(a, direct.id, { body: "retry", client_id: clientId })),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 201]);
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      assert.deepEqual(seqs(await history(a, direct.id)), [1]);
    });

    it("an empty or blank body is 400 body_empty", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      for (const body of ["", "   ", "\n\t "]) {
        const res = await send(a, direct.id, { body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, "body_empty");
      }
      const missing = await send(a, direct.id, {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.code, "invalid_request");
      const unknown = await send(a, direct.id, { body: "hi", format: "markdown" });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
      assert.deepEqual(await history(a, direct.id), []);
    });

    it("over 4000 characters is 400 body_too_long; exactly 4000 is fine", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const tooLong = await send(a, direct.id, { body: "x".repeat(4001) });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.code, "body_too_long");
      const max = await send(a, direct.id, { body: "x".repeat(4000) });
      assert.equal(max.status, 201);
      assert.equal(max.body.body.length, 4000);
      // Characters, not UTF-16 code units: 4000 emoji are 8000 code units.
      const emoji = await send(a, direct.id, { body: "😀".repeat(4000) });
      assert.equal(emoji.status, 201);
      const emojiTooLong = await send(a, direct.id, { body: "😀".repeat(4001) });
      assert.equal(emojiTooLong.status, 400);
      assert.equal(emojiTooLong.body.error.code, "body_too_long");
    });

    it("reply_to: a message of this conversation is fine, of another one 400", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const group = await createGroup(server.url, a, [b, c], "replies");
      const original = await sendMessage(server.url, b, direct.id, "question?");
      const elsewhere = await sendMessage(server.url, c, group.id, "elsewhere");
      const reply = await send(a, direct.id, { body: "answer", reply_to: original.id });
      assert.equal(reply.status, 201);
      assert.equal(reply.body.reply_to, original.id);
      const cross = await send(a, direct.id, { body: "wrong", reply_to: elsewhere.id });
      assert.equal(cross.status, 400);
      assert.equal(cross.body.error.code, "invalid_request");
      const ghost = await send(a, direct.id, { body: "ghost", reply_to: randomUUID() });
      assert.equal(ghost.status, 400);
      assert.equal(ghost.body.error.code, "invalid_request");
      assert.deepEqual(seqs(await history(a, direct.id)), [1, 2]);
      const fetched = await api.get<MessageView>(`${V1}/messages/${reply.body.id}`, as(b));
      assert.equal(fetched.body.reply_to, original.id);
    });

    it("GET /messages/:id returns the message to members, 404 for an unknown id", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const message = await sendMessage(server.url, a, direct.id, "fetch me");
      const res = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(b));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, message);
      const unknown = await api.get(`${V1}/messages/${randomUUID()}`, as(b));
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, "not_found");
    });
  });

  describe("history", () => {
    let owner: TestUser;
    let reader: TestUser;
    let conversationId: string;

    before(async () => {
      [owner, reader] = (await users(2)) as [TestUser, TestUser];
      conversationId = (await createGroup(server.url, owner, [reader], "history")).id;
      await sendMany(server.url, owner, conversationId, 25);
    });

    it("returns every message oldest to newest when it fits in one page", async () => {
      const all = await history(reader, conversationId);
      assert.deepEqual(seqs(all), range(1, 25));
      assert.deepEqual(
        all.map((m) => m.body),
        range(1, 25).map((i) => `message ${i}`),
      );
      for (let i = 1; i < all.length; i++) {
        assert.ok(all[i]!.created_at >= all[i - 1]!.created_at);
      }
    });

    it("pages backwards with limit and before", async () => {
      assert.deepEqual(seqs(await history(reader, conversationId, "?limit=10")), range(16, 25));
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?limit=10&before=16")),
        range(6, 15),
      );
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?limit=10&before=6")),
        range(1, 5),
      );
      assert.deepEqual(seqs(await history(reader, conversationId, "?limit=10&before=1")), []);
      assert.deepEqual(seqs(await history(reader, conversationId, "?before=26")), range(1, 25));
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?before=1000&limit=3")),
        [23, 24, 25],
      );
    });

    it("pages forwards with limit and after", async () => {
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?limit=10&after=0")),
        range(1, 10),
      );
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?limit=10&after=10")),
        range(11, 20),
      );
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?limit=10&after=20")),
        range(21, 25),
      );
      assert.deepEqual(seqs(await history(reader, conversationId, "?limit=10&after=25")), []);
      assert.deepEqual(seqs(await history(reader, conversationId, "?after=24")), [25]);
    });

    it("before and after together give the range between them", async () => {
      assert.deepEqual(
        seqs(await history(reader, conversationId, "?after=5&before=11")),
        range(6, 10),
      );
      assert.deepEqual(seqs(await history(reader, conversationId, "?after=5&before=6")), []);
    });

    it("walking the pages back and forth yields every message exactly once", async () => {
      const backwards: number[] = [];
      let before: number | undefined;
      for (;;) {
        const q = before === undefined ? "?limit=7" : `?limit=7&before=${before}`;
        const page = await history(reader, conversationId, q);
        if (page.length === 0) break;
        backwards.unshift(...seqs(page));
        before = page[0]!.seq;
      }
      assert.deepEqual(backwards, range(1, 25));
      const forwards: number[] = [];
      let afterSeq = 0;
      for (;;) {
        const page = await history(reader, conversationId, `?limit=7&after=${afterSeq}`);
        if (page.length === 0) break;
        forwards.push(...seqs(page));
        afterSeq = page[page.length - 1]!.seq;
      }
      assert.deepEqual(forwards, range(1, 25));
    });

    it("limit is 1 to 100; anything else is 400", async () => {
      assert.equal((await history(reader, conversationId, "?limit=100")).length, 25);
      assert.deepEqual(seqs(await history(reader, conversationId, "?limit=1")), [25]);
      for (const query of [
        "?limit=101",
        "?limit=0",
        "?limit=-1",
        "?limit=abc",
        "?limit=2.5",
        "?before=-1",
        "?after=x",
      ]) {
        const res = await api.get(
          `${V1}/conversations/${conversationId}/messages${query}`,
          as(reader),
        );
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error.code, "invalid_request", query);
      }
      const unknown = await api.get(
        `${V1}/conversations/${conversationId}/messages?since=3`,
        as(reader),
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
    });

    it("limit defaults to 50: the newest 50", async () => {
      const big = await createGroup(server.url, owner, [reader], "big");
      await sendMany(server.url, owner, big.id, 55);
      const page = await history(reader, big.id);
      assert.equal(page.length, 50);
      assert.deepEqual(seqs(page), range(6, 55));
      assert.deepEqual(seqs(await history(reader, big.id, "?before=6")), range(1, 5));
      assert.deepEqual(seqs(await history(reader, big.id, "?after=0")), range(1, 50));
    });
  });

  describe("members added later", () => {
    it("do not see messages from before they joined, but see later ones", async () => {
      const [owner, early, late] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [early], "late joiner");
      const before = await sendMany(server.url, owner, group.id, 3, "before");
      await addMembers(server.url, owner, group.id, [late]);

      const joined = await conversation(late, group.id);
      assert.equal(joined.last_message, null);
      assert.equal(joined.unread_count, 0);
      assert.deepEqual(await history(late, group.id), []);
      assert.deepEqual(await history(late, group.id, "?after=0"), []);
      const listed = (await api.get(`${V1}/conversations`, as(late))).body.conversations;
      assert.equal(listed[0].id, group.id);
      assert.equal(listed[0].last_message, null);
      const early1 = before[0]!;
      const fetch = await api.get(`${V1}/messages/${early1.id}`, as(late));
      assert.equal(fetch.status, 404);
      const react = await api.post(
        `${V1}/messages/${early1.id}/reactions`,
        { emoji: "👍" },
        as(late),
      );
      assert.equal(react.status, 404);
      const reply = await send(late, group.id, { body: "re", reply_to: early1.id });
      assert.equal(reply.status, 400);

      const afterJoin = await sendMessage(server.url, owner, group.id, "welcome");
      assert.equal(afterJoin.seq, 4);
      const seen = await history(late, group.id);
      assert.deepEqual(
        seen.map((m) => m.id),
        [afterJoin.id],
      );
      const now = await conversation(late, group.id);
      assert.equal(now.last_message?.id, afterJoin.id);
      assert.equal(now.unread_count, 1);
      assert.equal(
        (await api.get(`${V1}/messages/${afterJoin.id}`, as(late))).status,
        200,
        "later messages are visible",
      );
      // The early member still sees everything.
      assert.deepEqual(seqs(await history(early, group.id)), [1, 2, 3, 4]);
    });
    it("a member removed and added again sees their first period and the new one, not the gap", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "come back");
      const first = await sendMessage(server.url, owner, group.id, "first stay");
      const out = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(owner),
      );
      assert.equal(out.status, 204);
      await sendMessage(server.url, owner, group.id, "while away");
      await addMembers(server.url, owner, group.id, [member]);
      const back = await conversation(member, group.id);
      assert.equal(back.role, "member");
      assert.equal(back.unread_count, 0);
      assert.deepEqual(
        (await history(member, group.id)).map((m) => m.id),
        [first.id],
      );
      const later = await sendMessage(server.url, owner, group.id, "welcome back");
      assert.deepEqual(
        (await history(member, group.id)).map((m) => m.id),
        [first.id, later.id],
      );
    });
  });
});
