import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const V1 = "/api/v1";

interface SyncEvent {
  type: string;
  cursor: number;
  conversation_id: string;
  [key: string]: any;
}

interface SyncPage {
  events: SyncEvent[];
  cursor: number;
  has_more: boolean;
}

forEachEngine("users and sync API", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  const as = (user: TestUser) => ({ token: user.token });
  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(server.url)));

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server.stop());

  describe("users", () => {
    const stem = `zq${randomBytes(3).toString("hex")}`;
    let upper: TestUser;
    let lower: TestUser;
    let other: TestUser;

    before(async () => {
      upper = await createUser(server.url, { username: `${stem.toUpperCase()}_Alpha` });
      lower = await createUser(server.url, { username: `${stem}_beta` });
      other = await createUser(server.url, { username: `x${stem}_gamma` });
    });

    it("GET /users?q= finds users by username prefix, ignoring letter case", async () => {
      for (const q of [
        stem,
        stem.toUpperCase(),
        `${stem.slice(0, 4).toUpperCase()}${stem.slice(4)}`,
      ]) {
        const res = await api.get(`${V1}/users?q=${encodeURIComponent(q)}`, as(other));
        assert.equal(res.status, 200);
        assert.deepEqual(
          res.body.users.map((u: any) => u.id),
          [upper.id, lower.id],
          `q=${q}`,
        );
      }
      const narrow = await api.get(`${V1}/users?q=${stem}_b`, as(other));
      assert.deepEqual(
        narrow.body.users.map((u: any) => u.username),
        [lower.username],
      );
      const infix = await api.get(`${V1}/users?q=${stem.slice(1)}`, as(other));
      assert.deepEqual(infix.body.users, [], "a prefix, not a substring");
      const none = await api.get(`${V1}/users?q=nobody_${stem}`, as(other));
      assert.equal(none.status, 200);
      assert.deepEqual(none.body, { users: [] });
    });

    it("returns public user fields only, and honours limit", async () => {
      const res = await api.get(`${V1}/users?q=${stem}&limit=1`, as(other));
      assert.equal(res.status, 200);
      assert.equal(res.body.users.length, 1);
      const [user] = res.body.users;
      assert.deepEqual(Object.keys(user).sort(), [
        "created_at",
        "display_name",
        "id",
        "is_admin",
        "is_bot",
        "username",
      ]);
      assert.equal(user.username, upper.username, "the original spelling is kept");
      const all = await api.get(`${V1}/users`, as(other));
      assert.equal(all.status, 200);
      assert.ok(all.body.users.length >= 3);
      assert.ok(all.body.users.length <= 20, "default limit");
    });

    it("rejects bad queries with 400", async () => {
      for (const query of ["?limit=0", "?limit=101", `?q=${"a".repeat(33)}`]) {
        const res = await api.get(`${V1}/users${query}`, as(other));
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error.code, "invalid_request");
      }
      const unknown = await api.get(`${V1}/users?name=x`, as(other));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
    });

    it("GET /users/:id answers the user; an unknown id is 404", async () => {
      const res = await api.get(`${V1}/users/${lower.id}`, as(other));
      assert.equal(res.status, 200);
      assert.equal(res.body.user.id, lower.id);
      assert.equal(res.body.user.username, lower.username);
      assert.equal(res.body.user.password_hash, undefined);
      assert.equal(typeof res.body.online, "boolean");
      assert.equal(res.body.online, false);
      assert.ok("last_seen_at" in res.body);
      const unknown = await api.get(`${V1}/users/${randomUUID()}`, as(other));
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, "not_found");
    });

    it("disabled users are neither found nor listed", async () => {
      const victim = await createUser(server.url, { username: `${stem}_disabled` });
      await server.ctx.store.users.setDisabled(victim.id, true);
      const res = await api.get(`${V1}/users/${victim.id}`, as(other));
      assert.equal(res.status, 404);
      const list = await api.get(`${V1}/users?q=${stem}`, as(other));
      assert.ok(!list.body.users.some((u: any) => u.id === victim.id));
    });

    it("needs a token", async () => {
      assert.equal((await api.get(`${V1}/users?q=${stem}`)).status, 401);
      assert.equal((await api.get(`${V1}/users/${lower.id}`)).status, 401);
    });
  });

  describe("sync", () => {
    const sync = async (user: TestUser, since: number, limit?: number): Promise<SyncPage> => {
      const query = limit === undefined ? `since=${since}` : `since=${since}&limit=${limit}`;
      const res = await api.get<SyncPage>(`${V1}/sync?${query}`, as(user));
      assert.equal(res.status, 200, res.text);
      return res.body;
    };
    const syncAll = async (user: TestUser, since: number, limit: number): Promise<SyncEvent[]> => {
      const events: SyncEvent[] = [];
      let cursor = since;
      for (let i = 0; i < 100; i++) {
        const page = await sync(user, cursor, limit);
        events.push(...page.events);
        assert.ok(page.cursor >= cursor, "the cursor never goes back");
        cursor = page.cursor;
        if (!page.has_more) return events;
      }
      throw new Error("sync never finished");
    };
    const types = (events: SyncEvent[]) => events.map((e) => e.type);
    const assertIncreasing = (events: SyncEvent[]) => {
      for (let i = 1; i < events.length; i++) {
        assert.ok(events[i]!.cursor > events[i - 1]!.cursor, `cursor ${i} increases`);
      }
    };

    let a: TestUser;
    let b: TestUser;
    let c: TestUser;
    let stranger: TestUser;
    let directId: string;
    let groupId: string;
    let m1: string;
    let m2: string;

    before(async () => {
      [a, b, c, stranger] = (await users(4)) as [TestUser, TestUser, TestUser, TestUser];
      directId = (await createDirect(server.url, a, b)).id; // conversation.created, request.accepted
      groupId = (await createGroup(server.url, a, [b], "sync group")).id; // conversation.created
      m1 = (await sendMessage(server.url, a, directId, "hello b")).id; // message.new
      m2 = (await sendMessage(server.url, b, groupId, "hello group")).id; // message.new
      const ok = (res: { status: number; text: string }) => assert.ok(res.status < 300, res.text);
      ok(await api.post(`${V1}/messages/${m1}/reactions`, { emoji: "👍" }, as(b))); // reaction
      ok(await api.post(`${V1}/messages/${m1}/reactions`, { emoji: "👍" }, as(b))); // (no event)
      ok(await api.patch(`${V1}/messages/${m1}`, { body: "hello, b" }, as(a))); // message.updated
      ok(await api.delete(`${V1}/messages/${m2}`, as(a))); // message.deleted
      ok(await api.patch(`${V1}/conversations/${groupId}`, { title: "renamed" }, as(a))); // conversation.updated
      ok(await api.post(`${V1}/conversations/${directId}/read`, { seq: 1 }, as(b))); // read
      ok(
        await api.patch(`${V1}/conversations/${groupId}/members/${b.id}`, { role: "admin" }, as(a)),
      ); // member.role
      await addMembers(server.url, a, groupId, [c]); // member.joined
      await sendMessage(server.url, b, groupId, "welcome c"); // message.new
    });

    it("since=0 returns the caller's events in cursor order with cursor and has_more", async () => {
      const page = await sync(a, 0);
      assert.deepEqual(types(page.events), [
        "conversation.created",
        "request.accepted",
        "conversation.created",
        "message.new",
        "message.new",
        "reaction",
        "message.updated",
        "message.deleted",
        "conversation.updated",
        "read",
        "member.role",
        "member.joined",
        "message.new",
      ]);
      assertIncreasing(page.events);
      for (const event of page.events) {
        assert.equal(typeof event.cursor, "number");
        assert.ok([directId, groupId].includes(event.conversation_id));
      }
      assert.equal(page.has_more, false);
      assert.equal(typeof page.cursor, "number");
      assert.ok(page.cursor >= page.events[page.events.length - 1]!.cursor);

      const [created, , , firstMessage, , reaction, updated, deleted] = page.events as [
        SyncEvent,
        SyncEvent,
        SyncEvent,
        SyncEvent,
        SyncEvent,
        SyncEvent,
        SyncEvent,
        SyncEvent,
      ];
      assert.equal(created.conversation_id, directId);
      assert.equal(created.conversation.type, "direct");
      assert.equal(created.created_by, a.id);
      assert.deepEqual(
        created.conversation.members.map((m: any) => m.user.id).sort(),
        [a.id, b.id].sort(),
      );
      assert.equal(firstMessage.message.id, m1);
      assert.equal(firstMessage.message.seq, 1);
      // Replay shows a message as it is now: its new event already carries the edit.
      assert.equal(firstMessage.message.body, "hello, b");
      assert.equal(reaction.message_id, m1);
      assert.equal(reaction.action, "added");
      assert.equal(reaction.user_id, b.id);
      assert.equal(reaction.emoji, "👍");
      assert.equal("reactions" in reaction, false, "the event holds the change alone");
      assert.equal(updated.message.body, "hello, b");
      assert.equal(deleted.message.id, m2);
      assert.equal(deleted.message.deleted, true);
      assert.equal(deleted.message.body, "");
    });

    it("a second call with the returned cursor has no events", async () => {
      const first = await sync(a, 0);
      const second = await sync(a, first.cursor);
      assert.deepEqual(second.events, []);
      assert.equal(second.has_more, false);
      assert.equal(second.cursor, first.cursor);
      const message = await sendMessage(server.url, b, directId, "new one");
      const third = await sync(a, second.cursor);
      assert.deepEqual(types(third.events), ["message.new"]);
      assert.equal(third.events[0]!.message.id, message.id);
      assert.ok(third.events[0]!.cursor > second.cursor);
      assert.deepEqual((await sync(a, third.cursor)).events, []);
    });

    it("pages with limit: has_more until the end, no gaps or repeats", async () => {
      const whole = (await sync(a, 0)).events;
      const first = await sync(a, 0, 3);
      assert.equal(first.events.length, 3);
      assert.equal(first.has_more, true);
      assert.equal(first.cursor, first.events[2]!.cursor);
      const paged = await syncAll(a, 0, 3);
      assert.deepEqual(paged, whole);
      const paged1 = await syncAll(a, 0, 1);
      assert.deepEqual(paged1, whole);
    });

    it("a non-member never sees events of conversations they are not in", async () => {
      const page = await sync(stranger, 0);
      assert.deepEqual(page.events, []);
      assert.equal(page.has_more, false);
      assert.ok(page.cursor > 0, "the cursor still moves to the head");
      const cEvents = await syncAll(c, 0, 500);
      assert.ok(!cEvents.some((e) => e.conversation_id === directId), "not the direct chat");
    });

    it("a member added later sees their member.joined and what follows, not earlier events", async () => {
      const events = (await sync(c, 0)).events;
      assert.deepEqual(types(events), ["member.joined", "message.new"]);
      assert.equal(events[0]!.conversation_id, groupId);
      assert.equal(events[0]!.user.id, c.id);
      assert.equal(events[0]!.role, "member");
      assert.equal(events[0]!.added_by, a.id);
      assert.equal(events[1]!.message.body, "welcome c");
    });

    it("idempotent requests log nothing twice", async () => {
      const events = (await sync(b, 0)).events;
      assert.equal(events.filter((e) => e.type === "reaction").length, 1);
      const clientId = randomUUID();
      const before = (await sync(b, 0)).cursor;
      for (let i = 0; i < 2; i++) {
        await api.post(
          `${V1}/conversations/${directId}/messages`,
          { body: "once", client_id: clientId },
          as(a),
        );
      }
      await api.post(`${V1}/conversations/${directId}/read`, { seq: 0 }, as(b));
      const added = (await sync(b, before)).events;
      assert.deepEqual(types(added), ["message.new"]);
    });

    it("a mention reaches only the mentioned member", async () => {
      const [owner, named, bystander] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [named, bystander], "mentions");
      const start = (await sync(named, 0)).cursor;
      const startBystander = (await sync(bystander, 0)).cursor;
      const message = await sendMessage(server.url, owner, group.id, `hi @${named.username}!`);
      const events = (await sync(named, start)).events;
      assert.deepEqual(types(events), ["message.new", "mention"]);
      assert.equal(events[1]!.message_id, message.id);
      assert.equal(events[1]!.sender_id, owner.id);
      assert.equal(events[1]!.seq, message.seq);
      assert.deepEqual(types((await sync(bystander, startBystander)).events), ["message.new"]);
    });

    it("a removed member gets their own member.left, then nothing of that conversation", async () => {
      const [owner, removed, staying] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [removed, staying], "removal");
      await sendMessage(server.url, owner, group.id, "before");
      const start = (await sync(removed, 0)).cursor;
      const startStaying = (await sync(staying, 0)).cursor;

      const res = await api.delete(
        `${V1}/conversations/${group.id}/members/${removed.id}`,
        as(owner),
      );
      assert.equal(res.status, 204);
      await sendMessage(server.url, owner, group.id, "after");
      await api.patch(`${V1}/conversations/${group.id}`, { title: "without you" }, as(owner));

      const page = await sync(removed, start);
      assert.deepEqual(types(page.events), ["member.left"]);
      const [left] = page.events as [SyncEvent];
      assert.equal(left.conversation_id, group.id);
      assert.equal(left.user_id, removed.id);
      assert.equal(left.removed_by, owner.id);
      assert.ok(left.cursor > start);
      await sendMessage(server.url, owner, group.id, "still talking");
      assert.deepEqual((await sync(removed, page.cursor)).events, []);

      const seenByStaying = (await sync(staying, startStaying)).events;
      assert.deepEqual(types(seenByStaying), [
        "member.left",
        "message.new",
        "conversation.updated",
        "message.new",
      ]);
      assert.equal(seenByStaying[0]!.user_id, removed.id);
    });

    it("a member who leaves gets their own member.left too", async () => {
      const [owner, leaver] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [leaver], "leaving");
      const start = (await sync(leaver, 0)).cursor;
      const res = await api.delete(
        `${V1}/conversations/${group.id}/members/${leaver.id}`,
        as(leaver),
      );
      assert.equal(res.status, 204);
      await sendMessage(server.url, owner, group.id, "bye");
      const events = (await sync(leaver, start)).events;
      assert.deepEqual(types(events), ["member.left"]);
      assert.equal(events[0]!.user_id, leaver.id);
      assert.equal(events[0]!.removed_by, leaver.id);
    });

    it("validates the query: since is required, limit 1..1000", async () => {
      for (const query of [
        "",
        "?since=-1",
        "?since=abc",
        "?since=0&limit=0",
        "?since=0&limit=1001",
      ]) {
        const res = await api.get(`${V1}/sync${query}`, as(a));
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error.code, "invalid_request", query);
      }
      const unknown = await api.get(`${V1}/sync?since=0&after=1`, as(a));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, "unknown_fields");
      assert.equal((await api.get(`${V1}/sync?since=0`)).status, 401);
    });
  });
});
