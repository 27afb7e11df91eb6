/**
 * chat-client mute, unmute, notify and dnd against a real server on each storage engine:
 * the preference lands on the server (where the web app reads it), durations, times and
 * zones parse, bad input is a usage error before anything is sent, and conversations
 * marks the muted.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import {
  ApiClient,
  type ConversationNotifications,
  type ConversationView,
  MUTED_FOREVER,
  type UserNotifications,
} from "@private-chat/sdk";
import { loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("chat-client: notification preferences", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDir: string;
  let group: ConversationView;
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    group = await api(alice).createConversation({
      type: "group",
      title: "Standup",
      member_ids: [bob.id],
    });
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("mutes for a while or until unmuted, unmutes, and marks the muted in conversations", async () => {
    const before = Date.now();
    const timed = await run(["mute", "Standup", "--for", "8h", "--json"], aliceDir);
    assert.equal(timed.code, 0, timed.stderr);
    const pref = JSON.parse(timed.stdout) as ConversationNotifications;
    assert.ok(pref.muted_until !== null && pref.muted_until >= before + 8 * 3_600_000);
    assert.ok(pref.muted_until <= Date.now() + 8 * 3_600_000);

    const forever = await run(["mute", "Standup"], aliceDir);
    assert.equal(forever.code, 0, forever.stderr);
    assert.equal(forever.stdout, "Standup: muted until unmuted; notify: all messages (default)\n");
    assert.equal((await api(alice).conversationNotifications(group.id)).muted_until, MUTED_FOREVER);
    const listed = await run(["conversations"], aliceDir);
    assert.match(listed.stdout, /Standup.*\[muted\]/);
    // Bob's preference is his own.
    assert.equal((await api(bob).conversationNotifications(group.id)).muted_until, null);

    const unmuted = await run(["unmute", group.id.slice(0, 8)], aliceDir);
    assert.equal(unmuted.code, 0, unmuted.stderr);
    assert.equal(unmuted.stdout, "Standup: notify: all messages (default)\n");
    assert.doesNotMatch((await run(["conversations"], aliceDir)).stdout, /\[muted\]/);
  });

  it("sets the level; refuses unknown levels and durations as usage errors", async () => {
    const mentions = await run(["notify", "Standup", "mentions"], aliceDir);
    assert.equal(mentions.code, 0, mentions.stderr);
    assert.equal(mentions.stdout, "Standup: notify: mentions only\n");
    const none = await run(["notify", "Standup", "none", "--json"], aliceDir);
    assert.equal((JSON.parse(none.stdout) as ConversationNotifications).level, "none");
    assert.equal((await api(alice).conversationNotifications(group.id)).level, "none");

    for (const args of [
      ["notify", "Standup", "loud"],
      ["mute", "Standup", "--for", "8 hours"],
      ["mute", "Standup", "--for", "400d"],
    ]) {
      const refused = await run(args, aliceDir);
      assert.equal(refused.code, 1, `${args.join(" ")}: ${refused.stdout}`);
      assert.match(refused.stderr, /^chat-client: usage: /, args.join(" "));
    }
    const nowhere = await run(["mute", "no such group"], aliceDir);
    assert.equal(nowhere.code, 1);
    assert.equal((await api(alice).conversationNotifications(group.id)).muted_until, null);
  });

  it("shows, sets and turns off do-not-disturb hours", async () => {
    const off = await run(["dnd"], aliceDir);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, "do not disturb: off\n");

    const set = await run(["dnd", "22:00", "7:00", "--zone", "europe/berlin"], aliceDir);
    assert.equal(set.code, 0, set.stderr);
    // The server spells the zone its own way; the hour is padded.
    assert.equal(set.stdout, "do not disturb: 22:00 to 07:00 (Europe/Berlin)\n");
    const stored = { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" };
    assert.deepEqual((await api(alice).myNotifications()).dnd, stored);
    assert.equal((await api(bob).myNotifications()).dnd, null);
    const shown = await run(["dnd", "--json"], aliceDir);
    assert.deepEqual(JSON.parse(shown.stdout) as UserNotifications, { dnd: stored });

    // Without --zone: this machine's zone, as the runtime names it.
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const here = await run(["dnd", "09:00", "09:00", "--json"], aliceDir);
    assert.equal(here.code, 0, here.stderr);
    const allDay = (JSON.parse(here.stdout) as UserNotifications).dnd;
    assert.deepEqual(allDay && { start: allDay.start, end: allDay.end }, {
      start: "09:00",
      end: "09:00",
    });
    assert.equal(allDay?.time_zone.toLowerCase(), local.toLowerCase());
    assert.match((await run(["dnd"], aliceDir)).stdout, /^do not disturb: all day \(.+\)\n$/);

    const turnedOff = await run(["dnd", "off"], aliceDir);
    assert.equal(turnedOff.code, 0, turnedOff.stderr);
    assert.equal(turnedOff.stdout, "do not disturb: off\n");
    assert.equal((await api(alice).myNotifications()).dnd, null);
  });

  it("refuses bad times, zones and arguments of dnd as usage errors", async () => {
    await api(alice).setMyNotifications({
      dnd: { start: "23:00", end: "06:00", time_zone: "UTC" },
    });
    for (const [args, text] of [
      [["dnd", "24:00", "07:00"], 'not "24:00"'],
      [["dnd", "22:00", "7pm"], 'not "7pm"'],
      [["dnd", "22:00", "07:00", "--zone", "Mars/Olympus"], 'not "Mars/Olympus"'],
      [["dnd", "22:00", "07:00", "--zone", "+01:00"], 'not "+01:00"'],
      [["dnd", "tonight"], 'or off, not "tonight"'],
      [["dnd", "22:00"], 'or off, not "22:00"'],
      [["dnd", "off", "--zone", "UTC"], "--zone goes with"],
      [["dnd", "22:00", "07:00", "08:00"], 'unexpected argument "08:00"'],
    ] as const) {
      const refused = await run([...args], aliceDir);
      assert.equal(refused.code, 1, `${args.join(" ")}: ${refused.stdout}`);
      assert.match(refused.stderr, /^chat-client: usage: /, args.join(" "));
      assert.ok(refused.stderr.includes(text), `${args.join(" ")}: ${refused.stderr}`);
      assert.equal(refused.stdout, "");
    }
    // Nothing was sent.
    assert.deepEqual((await api(alice).myNotifications()).dnd, {
      start: "23:00",
      end: "06:00",
      time_zone: "UTC",
    });
  });
});
