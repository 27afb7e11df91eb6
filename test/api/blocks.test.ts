/**
 * Blocking over REST: the list is the blocker's alone; a blocked person cannot open a
 * direct conversation with the blocker, send, edit or react in one they share, add the
 * blocker to a group, or notify them with an @mention. Group messages stay gapless.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { BlockView, ConversationView } from "@private-chat/protocol/chat";
import { apiSuite } from "../helpers/api-suite.js";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { V1 } from "./conversations-fixture.js";

forEachEngine("blocks API", (run) => {
  let api: ReturnType<typeof client>;
  let url: string;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
    url = started().server.url;
  });

  const block = (blocker: TestUser, blocked: TestUser) =>
    api.post<BlockView>(`${V1}/blocks`, { user_id: blocked.id }, as(blocker));

  describe("the list", () => {
    it("blocks (201, then 200), lists, and lifts (204, then 404); private to the blocker", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const first = await block(a, b);
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.user.id, b.id);
      assert.equal(typeof first.body.created_at, "number");
      const again = await block(a, b);
      assert.equal(again.status, 200);
      assert.equal(again.body.created_at, first.body.created_at);
      const mine = await api.get(`${V1}/blocks`, as(a));
      assert.deepEqual(
        mine.body.blocks.map((x: BlockView) => x.user.id),
        [b.id],
      );
      const theirs = await api.get(`${V1}/blocks`, as(b));
      assert.deepEqual(theirs.body.blocks, [], "the blocked person never sees the list");
      const lift = await api.delete(`${V1}/blocks/${b.id}`, as(a));
      assert.equal(lift.status, 204);
      const liftAgain = await api.delete(`${V1}/blocks/${b.id}`, as(a));
      assert.equal(liftAgain.status, 404);
      assert.deepEqual((await api.get(`${V1}/blocks`, as(a))).body.blocks, []);
    });

    it("refuses blocking oneself (400), an unknown person (404), bad input (400) and no token (401)", async () => {
      const [a] = (await users(1)) as [TestUser];
      const self = await block(a, a);
      assert.equal(self.status, 400);
      assert.equal(
        (self.body as unknown as { error: { code: string } }).error.code,
        "invalid_request",
      );
      const unknown = await api.post(`${V1}/blocks`, { user_id: randomUUID() }, as(a));
      assert.equal(unknown.status, 404);
      const extra = await api.post(`${V1}/blocks`, { user_id: a.id, why: "x" }, as(a));
      assert.equal(extra.status, 400);
      const missing = await api.post(`${V1}/blocks`, {}, as(a));
      assert.equal(missing.status, 400);
      assert.equal((await api.get(`${V1}/blocks`)).status, 401);
      assert.equal((await api.post(`${V1}/blocks`, { user_id: a.id })).status, 401);
      assert.equal((await api.delete(`${V1}/blocks/${a.id}`)).status, 401);
    });
  });

  describe("what a block refuses", () => {
    it("a blocked person cannot open a direct conversation, whether or not one exists", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      await createDirect(url, a, c);
      await block(a, b);
      await block(a, c);
      const fresh = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [a.id] },
        as(b),
      );
      const existing = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [a.id] },
        as(c),
      );
      for (const res of [fresh, existing]) {
        assert.equal(res.status, 403);
        assert.equal(res.body.error.code, "not_accepting");
      }
      assert.equal(fresh.body.error.message, existing.body.error.message, "the same answer");
      // The blocker may still open it.
      const mine = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(mine.status, 201);
    });

    it("a blocked person cannot send, edit or react in the direct conversation; the blocker can", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(url, b, a);
      const earlier = await sendMessage(url, b, direct.id, "before the block");
      const fromA = await sendMessage(url, a, direct.id, "from a");
      await block(a, b);
      const send = await api.post(
        `${V1}/conversations/${direct.id}/messages`,
        { body: "after the block" },
        as(b),
      );
      assert.equal(send.status, 403);
      assert.equal(send.body.error.code, "not_accepting");
      const mention = await api.post(
        `${V1}/conversations/${direct.id}/messages`,
        { body: `@${a.username} hello` },
        as(b),
      );
      assert.equal(mention.status, 403, "the general send path refuses too");
      const edit = await api.patch(`${V1}/messages/${earlier.id}`, { body: "edited" }, as(b));
      assert.equal(edit.status, 403);
      assert.equal(edit.body.error.code, "not_accepting");
      const react = await api.post(`${V1}/messages/${fromA.id}/reactions`, { emoji: "👍" }, as(b));
      assert.equal(react.status, 403);
      assert.equal(react.body.error.code, "not_accepting");
      const mine = await sendMessage(url, a, direct.id, "a may still write");
      assert.equal(mine.seq, 3, "no seq was taken by the refused sends");
      // Lifted: b may send again.
      await api.delete(`${V1}/blocks/${b.id}`, as(a));
      const after = await sendMessage(url, b, direct.id, "after the lift");
      assert.equal(after.seq, 4);
    });

    it("a blocked person cannot add the blocker to a group, new or existing", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      await block(a, b);
      const create = await api.post(
        `${V1}/conversations`,
        { type: "group", title: "with a", member_ids: [a.id, c.id] },
        as(b),
      );
      assert.equal(create.status, 403);
      assert.equal(create.body.error.code, "not_accepting");
      const group = await createGroup(url, b, [c]);
      const add = await api.post(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [a.id] },
        as(b),
      );
      assert.equal(add.status, 403);
      assert.equal(add.body.error.code, "not_accepting");
      const view = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(b));
      assert.equal(view.body.members.length, 2);
      // The blocker may add the blocked person.
      const mine = await createGroup(url, a, [b]);
      assert.equal(mine.members.length, 2);
    });

    it("in a shared group the blocked person's messages stay, gapless, but their mentions do not notify", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(url, c, [a, b]);
      await block(a, b);
      const start = (await api.get(`${V1}/sync?since=0`, as(a))).body.cursor;
      const fromB = await sendMessage(url, b, group.id, `@${a.username} look`);
      const fromC = await sendMessage(url, c, group.id, `@${a.username} look too`);
      assert.deepEqual([fromB.seq, fromC.seq], [1, 2]);
      const events = (await api.get(`${V1}/sync?since=${start}`, as(a))).body.events as {
        type: string;
        sender_id?: string;
      }[];
      assert.deepEqual(
        events.map((e) => e.type),
        ["message.new", "message.new", "mention"],
      );
      assert.equal(events[2]?.sender_id, c.id);
      const history = await api.get(`${V1}/conversations/${group.id}/messages`, as(a));
      assert.equal(history.body.messages.length, 2, "the client hides them, not the server");
    });

    it("neither side sees the other's presence across a block", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(url, a, [b]);
      await block(b, a);
      for (const [viewer, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const view = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(viewer));
        const member = view.body.members.find((m) => m.user.id === other.id);
        assert.equal(member?.last_seen_at, null);
        const profile = await api.get(`${V1}/users/${other.id}`, as(viewer));
        assert.equal(profile.body.online, false);
        assert.equal(profile.body.last_seen_at, null);
      }
    });
  });
});
