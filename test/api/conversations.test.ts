import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ConversationView, MemberView } from "../../src/protocol/chat.js";
import { createDirect, createGroup, sendMessage, tick } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client, request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const V1 = "/api/v1";

function roleOf(conversation: ConversationView, userId: string): string | undefined {
  return conversation.members.find((m: MemberView) => m.user.id === userId)?.role;
}

function memberIds(conversation: ConversationView): string[] {
  return conversation.members.map((m) => m.user.id).sort();
}

describe("conversations API", () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  const as = (user: TestUser) => ({ token: user.token });
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(server.url)));

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server.stop());

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
      assert.deepEqual(res.body, { conversations: [] });
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
