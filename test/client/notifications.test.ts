/**
 * chat-client mute, unmute and notify against a real server on each storage engine: the
 * preference lands on the server (where the web app reads it), durations parse, bad
 * input is a usage error before anything is sent, and conversations marks the muted.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import {
  ApiClient,
  type ConversationNotifications,
  type ConversationView,
  MUTED_FOREVER,
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
});
