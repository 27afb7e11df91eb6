/**
 * Creating conversations: direct ones (one per pair, even when both people start it at once)
 * and groups (title, members, validation of the request).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { memberIds, roleOf, V1 } from "./conversations-fixture.js";

forEachEngine("conversations API: creating direct conversations and groups", (run) => {
  let api: ReturnType<typeof client>;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
  });

  describe("direct conversations", () => {
    it("creates a direct conversation: 201 with both members and no title", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const res = await api.post<ConversationView>(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(res.status, 201);
      assert.equal(typeof res.body.id, "string");
      assert.equal(res.body.type, "direct");
      assert.equal(res.body.title, null);
      assert.deepEqual(memberIds(res.body), [a.id, b.id].sort());
      assert.equal(res.body.role, "member");
      assert.equal(res.body.last_message, null);
      assert.equal(res.body.unread_count, 0);
      assert.equal(res.body.last_seq, 0);
      for (const member of res.body.members) {
        assert.equal(member.role, "member");
        assert.equal(typeof member.user.username, "string");
        assert.equal((member.user as any).password_hash, undefined);
      }
    });

    it("asking again for the same pair, from either side, answers 200 with the same id", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const first = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(first.status, 201);
      const again = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(again.status, 200);
      assert.equal(again.body.id, first.body.id);
      const reverse = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [a.id] },
        as(b),
      );
      assert.equal(reverse.status, 200);
      assert.equal(reverse.body.id, first.body.id);
      const listA = await api.get(`${V1}/conversations`, as(a));
      assert.equal(listA.body.conversations.length, 1, "no second direct conversation");
    });

    it("both people starting the chat at the same moment get one conversation", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const [fromA, fromB] = await Promise.all([
        api.post(`${V1}/conversations`, { type: "direct", member_ids: [b.id] }, as(a)),
        api.post(`${V1}/conversations`, { type: "direct", member_ids: [a.id] }, as(b)),
      ]);
      assert.deepEqual([fromA.status, fromB.status].sort(), [200, 201]);
      assert.equal(fromA.body.id, fromB.body.id);
      assert.equal((await api.get(`${V1}/conversations`, as(a))).body.conversations.length, 1);
    });

    it("a direct conversation with an unknown user is 404 not_found", async () => {
      const [a] = (await users(1)) as [TestUser];
      const res = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [randomUUID()] },
        as(a),
      );
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "not_found");
      const list = await api.get(`${V1}/conversations`, as(a));
      assert.deepEqual(list.body.conversations, []);
    });

    it("validates the direct request: exactly one member id, no unknown fields", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const two = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id, c.id] },
        as(a),
      );
      assert.equal(two.status, 400);
      assert.equal(two.body.error.code, "invalid_request");
      const extra = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id], title: "no titles here" },
        as(a),
      );
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.code, "unknown_fields");
      const badType = await api.post(
        `${V1}/conversations`,
        { type: "channel", member_ids: [b.id] },
        as(a),
      );
      assert.equal(badType.status, 400);
    });

    it("needs a token", async () => {
      const res = await api.post(`${V1}/conversations`, { type: "direct", member_ids: ["x"] });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, "unauthorized");
      assert.equal((await api.get(`${V1}/conversations`)).status, 401);
    });
  });

  describe("groups", () => {
    it("creates a group: 201, the creator is owner and the others members", async () => {
      const [owner, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const res = await api.post<ConversationView>(
        `${V1}/conversations`,
        { type: "group", title: "  Project X  ", member_ids: [b.id, c.id, b.id, owner.id] },
        as(owner),
      );
      assert.equal(res.status, 201);
      assert.equal(res.body.type, "group");
      assert.equal(res.body.title, "Project X", "the title is trimmed");
      assert.equal(res.body.role, "owner");
      assert.deepEqual(memberIds(res.body), [owner.id, b.id, c.id].sort(), "no duplicates");
      assert.equal(roleOf(res.body, owner.id), "owner");
      assert.equal(roleOf(res.body, b.id), "member");
      assert.equal(roleOf(res.body, c.id), "member");
      const asB = await api.get<ConversationView>(`${V1}/conversations/${res.body.id}`, as(b));
      assert.equal(asB.status, 200);
      assert.equal(asB.body.role, "member");
      assert.equal(asB.body.title, "Project X");
    });

    it("a group with only its creator is allowed", async () => {
      const [owner] = (await users(1)) as [TestUser];
      const res = await api.post(
        `${V1}/conversations`,
        { type: "group", title: "solo" },
        as(owner),
      );
      assert.equal(res.status, 201);
      assert.deepEqual(memberIds(res.body), [owner.id]);
    });

    it("an empty or whitespace title is 400", async () => {
      const [owner, b] = (await users(2)) as [TestUser, TestUser];
      for (const title of ["", "   ", "\n\t"]) {
        const res = await api.post(
          `${V1}/conversations`,
          { type: "group", title, member_ids: [b.id] },
          as(owner),
        );
        assert.equal(res.status, 400, JSON.stringify(title));
        assert.equal(res.body.error.code, "invalid_request");
      }
      const long = await api.post(
        `${V1}/conversations`,
        { type: "group", title: "t".repeat(101), member_ids: [b.id] },
        as(owner),
      );
      assert.equal(long.status, 400);
      const missing = await api.post(
        `${V1}/conversations`,
        { type: "group", member_ids: [b.id] },
        as(owner),
      );
      assert.equal(missing.status, 400);
      const list = await api.get(`${V1}/conversations`, as(owner));
      assert.deepEqual(list.body.conversations, [], "nothing was created");
    });

    it("unknown fields are 400 unknown_fields naming the field", async () => {
      const [owner, b] = (await users(2)) as [TestUser, TestUser];
      const res = await api.post(
        `${V1}/conversations`,
        { type: "group", title: "ok", member_ids: [b.id], topic: "nope" },
        as(owner),
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "unknown_fields");
      assert.match(res.body.error.message, /topic/);
    });

    it("a group with an unknown member is 404 and creates nothing", async () => {
      const [owner, b] = (await users(2)) as [TestUser, TestUser];
      const res = await api.post(
        `${V1}/conversations`,
        { type: "group", title: "ghosts", member_ids: [b.id, "no-such-user"] },
        as(owner),
      );
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "not_found");
      assert.deepEqual((await api.get(`${V1}/conversations`, as(owner))).body.conversations, []);
      assert.deepEqual((await api.get(`${V1}/conversations`, as(b))).body.conversations, []);
    });
  });
});
