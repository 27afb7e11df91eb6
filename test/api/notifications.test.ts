/**
 * Notification preferences over REST, on both engines: defaults (a group over 25 members
 * defaults to mentions, following its size), changes kept for every device and told to
 * the user's other sockets and to sync, validation, and nothing for a non-member.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { MUTED_FOREVER } from "@private-chat/protocol/notifications";
import { apiSuite } from "../helpers/api-suite.js";
import { addMembers, createDirect, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { connect } from "../helpers/socket.js";
import { V1 } from "./conversations-fixture.js";

forEachEngine("notification preferences API", { redis: true }, (run) => {
  let api: ReturnType<typeof client>;
  let url: string;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
    url = started().server.url;
  });

  const prefsOf = (user: TestUser, id: string) =>
    api.get(`${V1}/conversations/${id}/notifications`, as(user));
  const setPrefs = (user: TestUser, id: string, body: unknown) =>
    api.put(`${V1}/conversations/${id}/notifications`, body, as(user));
  const listed = async (user: TestUser, id: string) => {
    const res = await api.get(`${V1}/conversations`, as(user));
    assert.equal(res.status, 200, res.text);
    return (res.body.conversations as ConversationView[]).find((c) => c.id === id);
  };

  describe("per conversation", () => {
    it("defaults to all in direct chats and small groups, to mentions above 25 members", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(url, a, b);
      const got = await prefsOf(a, direct.id);
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(got.body, {
        conversation_id: direct.id,
        level: "all",
        is_default: true,
        muted_until: null,
      });
      const others = await users(24);
      const group = await createGroup(url, a, [b, ...others]);
      assert.equal(group.members.length, 26);
      assert.equal((await prefsOf(a, group.id)).body.level, "mentions");
      assert.deepEqual((await listed(b, group.id))?.notifications, {
        level: "mentions",
        is_default: true,
        muted_until: null,
      });
      // Computed, never stored: it follows the member count down and up again.
      const small = await createGroup(url, a, others.slice(0, 24));
      assert.equal((await prefsOf(a, small.id)).body.level, "all");
      await addMembers(url, a, small.id, [b]);
      assert.equal((await prefsOf(a, small.id)).body.level, "mentions");
      // A chosen level stays whatever the size.
      assert.equal((await setPrefs(b, group.id, { level: "all" })).body.level, "all");
      const chosen = await prefsOf(b, group.id);
      assert.equal(chosen.body.level, "all");
      assert.equal(chosen.body.is_default, false);
    });

    it("keeps level and mute apart, and answers them in the list and the conversation", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(url, a, [b]);
      const until = Date.now() + 3_600_000;
      const muted = await setPrefs(a, group.id, { muted_until: until });
      assert.equal(muted.status, 200, muted.text);
      assert.deepEqual(muted.body, {
        conversation_id: group.id,
        level: "all",
        is_default: true,
        muted_until: until,
      });
      const level = await setPrefs(a, group.id, { level: "none" });
      assert.equal(level.body.muted_until, until, "a field left out stays");
      assert.equal(level.body.level, "none");
      assert.deepEqual((await listed(a, group.id))?.notifications, {
        level: "none",
        is_default: false,
        muted_until: until,
      });
      const one = await api.get(`${V1}/conversations/${group.id}`, as(a));
      assert.equal(one.body.notifications.level, "none");
      // The other member's preference is their own.
      assert.equal((await prefsOf(b, group.id)).body.level, "all");
      assert.equal((await prefsOf(b, group.id)).body.muted_until, null);

      const forever = await setPrefs(a, group.id, { muted_until: MUTED_FOREVER });
      assert.equal(forever.body.muted_until, MUTED_FOREVER);
      // A past time unmutes; null as well; level null goes back to the default.
      const past = await setPrefs(a, group.id, { muted_until: Date.now() - 1000 });
      assert.equal(past.body.muted_until, null);
      const back = await setPrefs(a, group.id, { level: null, muted_until: null });
      assert.deepEqual(back.body, {
        conversation_id: group.id,
        level: "all",
        is_default: true,
        muted_until: null,
      });
    });

    it("refuses bad input with 400 and answers a non-member 404 like any conversation route", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(url, a, [b]);
      for (const body of [
        { level: "loud" },
        { muted_until: -1 },
        { muted_until: MUTED_FOREVER + 1 },
        { muted_until: 1.5 },
        { muted_until: "soon" },
      ]) {
        const res = await setPrefs(a, group.id, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, "invalid_request");
      }
      const extra = await setPrefs(a, group.id, { level: "all", extra: true });
      assert.equal(extra.status, 400, extra.text);
      assert.equal(extra.body.error.code, "unknown_fields");
      const outsider = await prefsOf(c, group.id);
      assert.equal(outsider.status, 404);
      assert.equal(outsider.body.error.code, "not_found");
      const nowhere = await prefsOf(a, "no-such-conversation");
      assert.deepEqual(nowhere.body, outsider.body, "a non-member learns nothing");
      assert.equal((await setPrefs(c, group.id, { level: "none" })).status, 404);
      assert.equal((await api.get(`${V1}/conversations/${group.id}/notifications`)).status, 401);
      // A former member is no member.
      const left = await api.delete(`${V1}/conversations/${group.id}/members/${b.id}`, as(b));
      assert.equal(left.status, 204, left.text);
      assert.equal((await prefsOf(b, group.id)).status, 404);
    });
  });

  describe("do not disturb", () => {
    it("is off until set, keeps a span over midnight, spells the zone as the runtime does", async () => {
      const [a] = (await users(1)) as [TestUser];
      const off = await api.get(`${V1}/me/notifications`, as(a));
      assert.equal(off.status, 200, off.text);
      assert.deepEqual(off.body, { dnd: null });
      const set = await api.put(
        `${V1}/me/notifications`,
        { dnd: { start: "22:00", end: "07:00", time_zone: "europe/berlin" } },
        as(a),
      );
      assert.equal(set.status, 200, set.text);
      const expected = { dnd: { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" } };
      assert.deepEqual(set.body, expected);
      assert.deepEqual((await api.get(`${V1}/me/notifications`, as(a))).body, expected);
      const cleared = await api.put(`${V1}/me/notifications`, { dnd: null }, as(a));
      assert.deepEqual(cleared.body, { dnd: null });
      assert.deepEqual((await api.get(`${V1}/me/notifications`, as(a))).body, { dnd: null });
    });

    it("refuses an unknown time zone and malformed times with a clear 400", async () => {
      const [a] = (await users(1)) as [TestUser];
      const zone = await api.put(
        `${V1}/me/notifications`,
        { dnd: { start: "22:00", end: "07:00", time_zone: "Mars/Olympus_Mons" } },
        as(a),
      );
      assert.equal(zone.status, 400, zone.text);
      assert.equal(zone.body.error.code, "invalid_request");
      assert.match(zone.body.error.message, /IANA time zone/);
      for (const dnd of [
        { start: "24:00", end: "07:00", time_zone: "UTC" },
        { start: "7:00", end: "08:00", time_zone: "UTC" },
        { start: "22:00", time_zone: "UTC" },
        { start: "22:00", end: "07:00", time_zone: "+01:00" },
      ]) {
        const res = await api.put(`${V1}/me/notifications`, { dnd }, as(a));
        assert.equal(res.status, 400, `${JSON.stringify(dnd)}: ${res.text}`);
      }
      assert.equal((await api.put(`${V1}/me/notifications`, {}, as(a))).status, 400);
      assert.deepEqual((await api.get(`${V1}/me/notifications`, as(a))).body, { dnd: null });
    });
  });

  describe("the user's other devices", () => {
    it("hear each change live, and through sync; nobody else hears anything", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(url, a, [b]);
      const second = await api.post(`${V1}/auth/login`, {
        username: a.username,
        password: a.password,
      });
      assert.equal(second.status, 200, second.text);
      const before = await api.get(`${V1}/sync?since=0`, { token: second.body.token });
      const since: number = before.body.cursor;
      const other = await connect(url, second.body.token);
      const bobs = await connect(url, b.token);
      try {
        await setPrefs(a, group.id, { level: "mentions", muted_until: MUTED_FOREVER });
        const heard = await other.next((f) => f.type === "notifications.updated");
        assert.deepEqual(
          { ...heard, cursor: 0 },
          {
            type: "notifications.updated",
            conversation_id: group.id,
            level: "mentions",
            is_default: false,
            muted_until: MUTED_FOREVER,
            cursor: 0,
          },
        );
        const dnd = { start: "09:00", end: "17:30", time_zone: "UTC" };
        await api.put(`${V1}/me/notifications`, { dnd }, as(a));
        const dndHeard = await other.next((f) => f.type === "dnd.updated");
        assert.deepEqual(dndHeard.dnd, dnd);
        assert.equal(dndHeard.conversation_id, null);

        // Bob's socket hears a message sent after both, and nothing of Alice's preferences.
        await api.post(`${V1}/conversations/${group.id}/messages`, { body: "marker" }, as(a));
        await bobs.next((f) => f.type === "message.new");
        assert.ok(
          !bobs.frames.some((f) => f.type === "notifications.updated" || f.type === "dnd.updated"),
        );
        const replay = await api.get(`${V1}/sync?since=${since}`, { token: second.body.token });
        const types = (replay.body.events as { type: string }[]).map((e) => e.type);
        assert.deepEqual(
          types.filter((t) => t !== "message.new"),
          ["notifications.updated", "dnd.updated"],
        );
        const bobSync = await api.get(`${V1}/sync?since=${since}`, as(b));
        assert.ok(
          !(bobSync.body.events as { type: string }[]).some((e) =>
            ["notifications.updated", "dnd.updated"].includes(e.type),
          ),
        );
      } finally {
        await other.close();
        await bobs.close();
      }
    });
  });
});
