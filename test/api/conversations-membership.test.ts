/**
 * Group roles and membership: who may add, remove, rename and change roles; leaving;
 * ownership passing on; and direct conversations refusing all of it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { apiSuite } from "../helpers/api-suite.js";
import { createDirect, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { memberIds, roleOf, V1 } from "./conversations-fixture.js";

forEachEngine("conversations API: roles and membership", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("roles and membership", () => {
    async function setup() {
      const [owner, admin, member, other] = (await users(4)) as [
        TestUser,
        TestUser,
        TestUser,
        TestUser,
      ];
      const group = await createGroup(server.url, owner, [admin, member], "roles");
      const promoted = await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "admin" },
        as(owner),
      );
      assert.equal(promoted.status, 200);
      return { owner, admin, member, other, group };
    }

    it("admins add and remove members", async () => {
      const { admin, member, other, group } = await setup();
      const added = await api.post<ConversationView>(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [other.id] },
        as(admin),
      );
      assert.equal(added.status, 200);
      assert.equal(roleOf(added.body, other.id), "member");
      const seen = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(other));
      assert.equal(seen.status, 200);
      assert.equal(seen.body.role, "member");
      const again = await api.post(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [other.id, member.id] },
        as(admin),
      );
      assert.equal(again.status, 200, "adding existing members changes nothing");
      assert.equal(again.body.members.length, 4);
      const removed = await api.delete(
        `${V1}/conversations/${group.id}/members/${other.id}`,
        as(admin),
      );
      assert.equal(removed.status, 204);
      assert.equal(removed.text, "");
      const gone = await api.get(`${V1}/conversations/${group.id}`, as(other));
      assert.equal(gone.status, 404);
      const removedMember = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(admin),
      );
      assert.equal(removedMember.status, 204);
      const now = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(admin));
      assert.equal(now.body.members.length, 2);
    });

    it("the owner adds members; an unknown user is 404 and adds nobody", async () => {
      const { owner, other, group } = await setup();
      const res = await api.post(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [other.id, randomUUID()] },
        as(owner),
      );
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "not_found");
      const conv = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(owner));
      assert.equal(conv.body.members.length, 3);
      const empty = await api.post(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [] },
        as(owner),
      );
      assert.equal(empty.status, 400);
    });

    it("plain members get 403 forbidden to add, remove others, rename or change roles", async () => {
      const { owner, admin, member, other, group } = await setup();
      const add = await api.post(
        `${V1}/conversations/${group.id}/members`,
        { user_ids: [other.id] },
        as(member),
      );
      assert.equal(add.status, 403);
      assert.equal(add.body.error.code, "forbidden");
      for (const target of [owner, admin]) {
        const remove = await api.delete(
          `${V1}/conversations/${group.id}/members/${target.id}`,
          as(member),
        );
        assert.equal(remove.status, 403);
        assert.equal(remove.body.error.code, "forbidden");
      }
      const rename = await api.patch(
        `${V1}/conversations/${group.id}`,
        { title: "mine now" },
        as(member),
      );
      assert.equal(rename.status, 403);
      assert.equal(rename.body.error.code, "forbidden");
      const role = await api.patch(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        { role: "admin" },
        as(member),
      );
      assert.equal(role.status, 403);
      const conv = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(owner));
      assert.equal(conv.body.title, "roles");
      assert.equal(conv.body.members.length, 3);
      assert.equal(roleOf(conv.body, member.id), "member");
    });

    it("admins may not remove the owner or another admin, nor change roles", async () => {
      const { owner, admin, member, group } = await setup();
      const second = await api.patch(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        { role: "admin" },
        as(owner),
      );
      assert.equal(second.status, 200);
      for (const target of [owner, member]) {
        const res = await api.delete(
          `${V1}/conversations/${group.id}/members/${target.id}`,
          as(admin),
        );
        assert.equal(res.status, 403, `admin removing ${roleOf(second.body, target.id)}`);
      }
      const promote = await api.patch(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        { role: "member" },
        as(admin),
      );
      assert.equal(promote.status, 403);
      assert.equal(promote.body.error.code, "forbidden");
    });

    it("admins and the owner rename a group", async () => {
      const { owner, admin, group } = await setup();
      const byAdmin = await api.patch(
        `${V1}/conversations/${group.id}`,
        { title: "  Renamed  " },
        as(admin),
      );
      assert.equal(byAdmin.status, 200);
      assert.equal(byAdmin.body.title, "Renamed");
      const byOwner = await api.patch(
        `${V1}/conversations/${group.id}`,
        { title: "Final name" },
        as(owner),
      );
      assert.equal(byOwner.status, 200);
      assert.equal(byOwner.body.title, "Final name");
      const blank = await api.patch(`${V1}/conversations/${group.id}`, { title: " " }, as(owner));
      assert.equal(blank.status, 400);
      assert.equal(blank.body.error.code, "invalid_request");
      const unknown = await api.patch(
        `${V1}/conversations/${group.id}`,
        { title: "x", colour: "red" },
        as(owner),
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
    });

    it("anyone can leave: 204, then the conversation is 404 for them", async () => {
      const { owner, member, group } = await setup();
      const leave = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(member),
      );
      assert.equal(leave.status, 204);
      const get = await api.get(`${V1}/conversations/${group.id}`, as(member));
      assert.equal(get.status, 404);
      assert.equal(get.body.error.code, "not_found");
      const list = await api.get(`${V1}/conversations`, as(member));
      assert.ok(!list.body.conversations.some((c: ConversationView) => c.id === group.id));
      const history = await api.get(`${V1}/conversations/${group.id}/messages`, as(member));
      assert.equal(history.status, 404);
      const send = await api.post(
        `${V1}/conversations/${group.id}/messages`,
        { body: "still here?" },
        as(member),
      );
      assert.equal(send.status, 404);
      const conv = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(owner));
      assert.ok(!memberIds(conv.body).includes(member.id));
      const again = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(member),
      );
      assert.equal(again.status, 404);
    });

    it("removing someone who is not a member is 404", async () => {
      const { owner, other, group } = await setup();
      const res = await api.delete(
        `${V1}/conversations/${group.id}/members/${other.id}`,
        as(owner),
      );
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "not_found");
      const role = await api.patch(
        `${V1}/conversations/${group.id}/members/${other.id}`,
        { role: "admin" },
        as(owner),
      );
      assert.equal(role.status, 404);
    });

    it("the owner promotes and demotes", async () => {
      const { owner, admin, member, group } = await setup();
      const up = await api.patch<ConversationView>(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        { role: "admin" },
        as(owner),
      );
      assert.equal(up.status, 200);
      assert.equal(roleOf(up.body, member.id), "admin");
      const seen = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(member));
      assert.equal(seen.body.role, "admin");
      const down = await api.patch<ConversationView>(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "member" },
        as(owner),
      );
      assert.equal(down.status, 200);
      assert.equal(roleOf(down.body, admin.id), "member");
      const same = await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "member" },
        as(owner),
      );
      assert.equal(same.status, 200, "setting the current role again is a no-op");
      const bad = await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "superuser" },
        as(owner),
      );
      assert.equal(bad.status, 400);
      // The demoted admin has lost their powers.
      const remove = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(admin),
      );
      assert.equal(remove.status, 403);
    });

    it("the owner cannot change their own role", async () => {
      const { owner, group } = await setup();
      const res = await api.patch(
        `${V1}/conversations/${group.id}/members/${owner.id}`,
        { role: "member" },
        as(owner),
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_request");
    });

    it('role "owner" transfers ownership: the previous owner becomes admin', async () => {
      const { owner, admin, member, group } = await setup();
      const res = await api.patch<ConversationView>(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        { role: "owner" },
        as(owner),
      );
      assert.equal(res.status, 200);
      assert.equal(roleOf(res.body, member.id), "owner");
      assert.equal(roleOf(res.body, owner.id), "admin");
      assert.equal(res.body.role, "admin", "the caller's own role in the answer");
      assert.equal(res.body.members.filter((m) => m.role === "owner").length, 1);
      // Only the new owner changes roles now.
      const old = await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "member" },
        as(owner),
      );
      assert.equal(old.status, 403);
      assert.equal(old.body.error.code, "forbidden");
      const fresh = await api.patch<ConversationView>(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "member" },
        as(member),
      );
      assert.equal(fresh.status, 200);
      assert.equal(roleOf(fresh.body, admin.id), "member");
    });

    it("when the owner leaves, ownership passes to an admin", async () => {
      const { owner, admin, member, group } = await setup();
      const leave = await api.delete(
        `${V1}/conversations/${group.id}/members/${owner.id}`,
        as(owner),
      );
      assert.equal(leave.status, 204);
      const conv = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(member));
      assert.equal(roleOf(conv.body, admin.id), "owner");
      assert.equal(conv.body.members.filter((m) => m.role === "owner").length, 1);
      assert.ok(!memberIds(conv.body).includes(owner.id));
    });

    it("direct conversations refuse member changes, roles and renames with 403", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const add = await api.post(
        `${V1}/conversations/${direct.id}/members`,
        { user_ids: [c.id] },
        as(a),
      );
      assert.equal(add.status, 403);
      assert.equal(add.body.error.code, "forbidden");
      const remove = await api.delete(`${V1}/conversations/${direct.id}/members/${b.id}`, as(a));
      assert.equal(remove.status, 403);
      const leave = await api.delete(`${V1}/conversations/${direct.id}/members/${a.id}`, as(a));
      assert.equal(leave.status, 403);
      const rename = await api.patch(`${V1}/conversations/${direct.id}`, { title: "us" }, as(a));
      assert.equal(rename.status, 403);
      assert.equal(rename.body.error.code, "forbidden");
      const role = await api.patch(
        `${V1}/conversations/${direct.id}/members/${b.id}`,
        { role: "admin" },
        as(a),
      );
      assert.equal(role.status, 403);
      const conv = await api.get<ConversationView>(`${V1}/conversations/${direct.id}`, as(b));
      assert.deepEqual(memberIds(conv.body), [a.id, b.id].sort());
      assert.equal(conv.body.title, null);
    });
  });
});
