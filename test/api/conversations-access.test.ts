/**
 * What each user sees: the conversation list with its summaries and order, and the 404 a
 * non-member gets, indistinguishable from a missing id, on every conversation and message
 * endpoint.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { apiSuite } from "../helpers/api-suite.js";
import { createDirect, createGroup, sendMessage, tick } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { type client, request } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { memberIds, roleOf, V1 } from "./conversations-fixture.js";

forEachEngine("conversations API: listing and non-member access", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("GET /conversations", () => {
    it("lists each conversation with members, last_message, unread_count and role", async () => {
      const [me, friend, other] = (await users(3)) as [TestUser, TestUser, TestUser];
      const direct = await createDirect(server.url, me, friend);
      await tick();
      const group = await createGroup(server.url, other, [me, friend], "list test");
      const res = await api.get<{ conversations: ConversationView[] }>(
        `${V1}/conversations`,
        as(me),
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.conversations.length, 2);
      for (const c of res.body.conversations) {
        assert.ok(Array.isArray(c.members));
        assert.ok("last_message" in c);
        assert.equal(typeof c.unread_count, "number");
        assert.equal(typeof c.role, "string");
        for (const m of c.members) {
          assert.equal(typeof m.user.id, "string");
          assert.equal(typeof m.role, "string");
          assert.equal(typeof m.read_seq, "number");
          assert.equal(typeof m.online, "boolean");
        }
      }
      const listedGroup = res.body.conversations.find((c) => c.id === group.id)!;
      assert.equal(listedGroup.role, "member");
      assert.equal(listedGroup.title, "list test");
      assert.deepEqual(memberIds(listedGroup), [me.id, friend.id, other.id].sort());
      const listedDirect = res.body.conversations.find((c) => c.id === direct.id)!;
      assert.equal(listedDirect.role, "member");
      assert.equal(listedDirect.last_message, null);
      assert.equal(listedDirect.unread_count, 0);
    });

    it("orders by most recent activity: a message moves the older conversation to the top", async () => {
      const [me, friend, other] = (await users(3)) as [TestUser, TestUser, TestUser];
      const older = await createDirect(server.url, me, friend);
      await tick();
      const newer = await createGroup(server.url, other, [me], "newer");
      let list = await api.get<{ conversations: ConversationView[] }>(
        `${V1}/conversations`,
        as(me),
      );
      assert.deepEqual(
        list.body.conversations.map((c) => c.id),
        [newer.id, older.id],
      );
      await tick();
      const message = await sendMessage(server.url, friend, older.id, "hello again");
      list = await api.get(`${V1}/conversations`, as(me));
      assert.deepEqual(
        list.body.conversations.map((c) => c.id),
        [older.id, newer.id],
      );
      const top = list.body.conversations[0]!;
      assert.equal(top.last_message?.id, message.id);
      assert.equal(top.last_message?.body, "hello again");
      assert.equal(top.last_seq, 1);
      assert.equal(top.unread_count, 1);
      assert.ok(top.last_activity_at >= list.body.conversations[1]!.last_activity_at);
      await tick();
      await sendMessage(server.url, other, newer.id, "back on top");
      list = await api.get(`${V1}/conversations`, as(me));
      assert.deepEqual(
        list.body.conversations.map((c) => c.id),
        [newer.id, older.id],
      );
    });

    it("a user without conversations gets an empty list", async () => {
      const [lonely] = (await users(1)) as [TestUser];
      const res = await api.get(`${V1}/conversations`, as(lonely));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { conversations: [], next_cursor: null });
    });
  });

  describe("non-members", () => {
    it("get 404 not_found, the same body as for a random id, on every endpoint", async () => {
      const [owner, member, stranger] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "private");
      const message = await sendMessage(server.url, owner, group.id, "secret");
      const thumbs = encodeURIComponent("👍");
      const cases = (cid: string, mid: string): [string, string, unknown?][] => [
        ["GET", `/conversations/${cid}`],
        ["PATCH", `/conversations/${cid}`, { title: "taken over" }],
        ["POST", `/conversations/${cid}/members`, { user_ids: [stranger.id] }],
        ["PATCH", `/conversations/${cid}/members/${member.id}`, { role: "admin" }],
        ["DELETE", `/conversations/${cid}/members/${member.id}`],
        ["DELETE", `/conversations/${cid}/members/${stranger.id}`],
        ["GET", `/conversations/${cid}/messages`],
        ["POST", `/conversations/${cid}/messages`, { body: "let me in" }],
        ["POST", `/conversations/${cid}/read`, { seq: 1 }],
        ["GET", `/messages/${mid}`],
        ["PATCH", `/messages/${mid}`, { body: "edited by a stranger" }],
        ["DELETE", `/messages/${mid}`],
        ["POST", `/messages/${mid}/reactions`, { emoji: "👍" }],
        ["DELETE", `/messages/${mid}/reactions/${thumbs}`],
      ];
      const real = cases(group.id, message.id);
      const fake = cases(randomUUID(), randomUUID());
      for (const [i, [method, path, body]] of real.entries()) {
        const [, fakePath] = fake[i]!;
        const options = { ...as(stranger), body };
        const res = await request(server.url, method, `${V1}${path}`, options);
        const random = await request(server.url, method, `${V1}${fakePath}`, options);
        assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
        assert.equal(res.body.error.code, "not_found", `${method} ${path}`);
        assert.deepEqual(res.body, random.body, `${method} ${path} looks like a missing id`);
      }
      // Nothing the stranger tried had any effect.
      const after = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(owner));
      assert.equal(after.body.title, "private");
      assert.deepEqual(memberIds(after.body), [owner.id, member.id].sort());
      assert.equal(roleOf(after.body, member.id), "member");
      assert.equal(after.body.last_seq, 1);
      const msg = await api.get(`${V1}/messages/${message.id}`, as(owner));
      assert.equal(msg.body.body, "secret");
      assert.equal(msg.body.reactions, undefined);
      assert.equal(msg.body.deleted, undefined);
    });
  });
});
