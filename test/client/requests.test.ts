/**
 * chat-client and message requests and blocks, against a real server on each storage
 * engine: requests listed and marked, accept and decline, block, unblock and blocked, a
 * blocked person's group messages hidden in tail (not with --json), and not_accepting.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ApiClient, type ConversationView } from "@private-chat/sdk";
import { loggedIn, removeConfigDirs, run, start, stop, waitFor } from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("chat-client: message requests and blocking", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let mallory: TestUser;
  let bob: TestUser;
  let dave: TestUser;
  let aliceDir: string;
  let fromMallory: ConversationView;
  let fromBob: ConversationView;
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [alice, mallory, bob, dave] = await Promise.all([
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
    ]);
    fromMallory = await api(mallory).createConversation({
      type: "direct",
      member_ids: [alice.id],
    });
    await api(mallory).sendMessage(fromMallory.id, { body: "hi from mallory" });
    fromBob = await api(bob).createConversation({ type: "direct", member_ids: [alice.id] });
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("lists the requests waiting for an answer and marks them in conversations", async () => {
    assert.equal(fromMallory.request, "sent");
    const listed = await run(["requests"], aliceDir);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split("\n");
    assert.equal(lines.length, 2, listed.stdout);
    assert.ok(lines.every((l) => l.includes("[request]")));
    assert.match(listed.stdout, new RegExp(`@${mallory.username}.*\\[request\\].*hi from mallory`));
    const json = await run(["requests", "--json"], aliceDir);
    const parsed = JSON.parse(json.stdout) as ConversationView[];
    assert.deepEqual(parsed.map((c) => c.request).sort(), ["pending", "pending"]);
    const sender = await run(["conversations"], loggedIn(server.url, mallory));
    assert.match(sender.stdout, /\[request sent\]/);
  });

  it("accepts one and declines the other; the declined one stays listed as such", async () => {
    const accepted = await run(["accept", `@${mallory.username}`], aliceDir);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(accepted.stdout, `accepted @${mallory.username}\n`);
    const declined = await run(["decline", fromBob.id.slice(0, 8), "--json"], aliceDir);
    assert.equal(declined.code, 0, declined.stderr);
    assert.equal((JSON.parse(declined.stdout) as ConversationView).request, "declined");
    const listed = await run(["requests"], aliceDir);
    assert.equal(listed.stdout.trim().split("\n").length, 1, listed.stdout);
    assert.match(listed.stdout, new RegExp(`@${bob.username}.*\\[declined\\]`));
    const all = await run(["conversations"], aliceDir);
    assert.match(all.stdout, new RegExp(`@${mallory.username}\\s`));
    assert.doesNotMatch(
      all.stdout.split("\n").find((l) => l.includes(mallory.username)) ?? "",
      /\[/,
    );
  });

  it("blocks, lists and unblocks by username; a blocked person gets not_accepting", async () => {
    const blocked = await run(["block", `@${dave.username}`], aliceDir);
    assert.equal(blocked.code, 0, blocked.stderr);
    assert.equal(blocked.stdout, `blocked @${dave.username}\n`);
    const again = await run(["block", dave.username, "--json"], aliceDir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).user.id, dave.id);
    const list = await run(["blocked"], aliceDir);
    assert.match(list.stdout, new RegExp(`^@${dave.username}\\s`));
    await assert.rejects(
      api(dave).createConversation({ type: "direct", member_ids: [alice.id] }),
      (err: { code?: string }) => err.code === "not_accepting",
    );
    const unknown = await run(["unblock", "@nobody_here"], aliceDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: not_found: @nobody_here is not blocked/);
    const unblocked = await run(["unblock", `@${dave.username}`], aliceDir);
    assert.equal(unblocked.code, 0, unblocked.stderr);
    const empty = await run(["blocked"], aliceDir);
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /you have not blocked anyone/);
  });

  it("tail hides a blocked person's group messages with a hidden-count line", async () => {
    const group = await api(bob).createConversation({
      type: "group",
      title: "Garden",
      member_ids: [alice.id, dave.id],
    });
    await api(alice).block(dave.id);
    await api(bob).sendMessage(group.id, { body: "bob one" });
    await api(dave).sendMessage(group.id, { body: "dave secret one" });
    await api(dave).sendMessage(group.id, { body: "dave secret two" });
    await api(bob).sendMessage(group.id, { body: "bob two" });
    const tail = start(["tail", "Garden", "--history", "10"], aliceDir);
    try {
      await waitFor("history", tail.stdout, (s) => s.includes("bob two"));
      await api(dave).sendMessage(group.id, { body: "dave live" });
      await api(bob).sendMessage(group.id, { body: "bob live" });
      await waitFor("live", tail.stdout, (s) => s.includes("bob live"));
      const lines = tail.stdout().trim().split("\n");
      assert.equal(lines.length, 5, tail.stdout());
      assert.match(lines[1] ?? "", /\(2 messages from people you blocked are hidden\)/);
      assert.match(lines[3] ?? "", /\(1 message from a person you blocked is hidden\)/);
      assert.ok(!/secret|dave live/.test(tail.stdout()), "no text of a hidden message");
    } finally {
      stop(tail);
    }
    const json = start(["tail", "Garden", "--history", "10", "--json"], aliceDir);
    try {
      await waitFor("--json history", json.stdout, (s) => s.includes("bob live"));
      assert.ok(json.stdout().includes("dave secret one"), "--json leaves every event in");
    } finally {
      stop(json);
    }
    await api(alice).unblock(dave.id);
  });

  it("documents the commands in --help", async () => {
    const help = await run(["--help"], aliceDir);
    for (const usage of [
      "requests [--json]",
      "accept <conversation>",
      "decline <conversation>",
      "block <username>",
      "unblock <username>",
      "blocked [--json]",
    ])
      assert.ok(help.stdout.includes(usage), usage);
  });
});
