/**
 * chat-client dm, send @name to someone without a chat yet, group create, members (list,
 * add, remove) and CHAT_TOKEN, run as child processes against a real server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient, type ConversationView } from "@private-chat/sdk";
import { configDir, loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client direct chats and groups", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let aliceDir: string;
  const apiOf = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob, carol, dave] = await Promise.all([
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
    ]);
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("dm starts a direct chat, says it is a message request, and opens it the second time", async () => {
    const first = await run(["dm", `@${bob.username}`], aliceDir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`started a direct chat with @${bob.username}`));
    assert.match(first.stderr, /message request/);
    assert.match(first.stdout, new RegExp(`direct\\s+@${bob.username}.*\\[request sent\\]`));

    const again = await run(["dm", bob.username, "--json"], aliceDir);
    assert.equal(again.code, 0, again.stderr);
    const parsed = JSON.parse(again.stdout) as { created: boolean; conversation: ConversationView };
    assert.equal(parsed.created, false);
    assert.equal(parsed.conversation.type, "direct");
    assert.equal(parsed.conversation.request, "sent");
    const text = await run(["dm", `@${bob.username}`], aliceDir);
    assert.match(text.stderr, /^opened @/);

    const bobSees = (await apiOf(bob).conversations()).find((c) => c.id === parsed.conversation.id);
    assert.equal(bobSees?.request, "pending");
  });

  it("dm --json says created for a new chat; an unknown person or a missing name fails", async () => {
    const [created, unknown, missing] = await Promise.all([
      run(["dm", dave.username, "--json"], loggedIn(server.url, carol)),
      run(["dm", "@nobody-here-at-all"], aliceDir),
      run(["dm"], aliceDir),
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { created: boolean }).created, true);

    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, "");
    assert.equal(unknown.stderr, "chat-client: not_found: no user is named @nobody-here-at-all\n");

    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^chat-client: usage: dm: missing <username>/);
  });

  it("send @name starts the direct chat when there is none, then sends", async () => {
    const result = await run(["send", `@${carol.username}`, "hello", "carol", "--json"], aliceDir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`started a direct chat with @${carol.username}`));
    const message = JSON.parse(result.stdout) as { body: string; conversation_id: string };
    assert.equal(message.body, "hello carol");
    const history = await apiOf(carol).history(message.conversation_id);
    assert.deepEqual(
      history.map((m) => m.body),
      ["hello carol"],
    );

    const next = await run(["send", `@${carol.username}`, "again"], aliceDir);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stderr, "");

    // A plain name is not taken for a person: it may be a group's title misspelt.
    const plain = await run(["send", dave.username, "hi"], aliceDir);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^chat-client: not_found: no conversation matches/);
    const nobody = await run(["send", "@nobody-here-at-all", "hi"], aliceDir);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /^chat-client: not_found: no user is named/);
  });

  it("group create makes a group with the people named, and members lists them", async () => {
    // Alice shares chats with bob and carol by now, so she may add them.
    const title = `Ops ${uniqueUsername("g")}`;
    const created = await run(
      ["group", "create", title, `@${bob.username}`, carol.username],
      aliceDir,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`^created [0-9a-f]{8}  ${title}  \\(3 members\\)\\n$`));

    const list = await run(["members", title], aliceDir);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.ok(
      lines.some((line) => line.startsWith(`@${alice.username}`) && /owner|admin/.test(line)),
    );

    const json = await run(["members", title, "--json"], aliceDir);
    const members = JSON.parse(json.stdout) as { user: { username: string } }[];
    assert.deepEqual(
      members.map((m) => m.user.username).sort(),
      [alice.username, bob.username, carol.username].sort(),
    );

    const asJson = await run(["group", "create", `${title} 2`, "--json"], aliceDir);
    assert.equal(asJson.code, 0, asJson.stderr);
    const group = JSON.parse(asJson.stdout) as ConversationView;
    assert.equal(group.title, `${title} 2`);
    assert.equal(group.members.length, 1);
  });

  it("members add and remove change a group; --json prints the group", async () => {
    const title = `Crew ${uniqueUsername("g")}`;
    await run(["group", "create", title], aliceDir);
    const added = await run(["members", "add", title, `@${bob.username}`, "--json"], aliceDir);
    assert.equal(added.code, 0, added.stderr);
    const group = JSON.parse(added.stdout) as ConversationView;
    assert.equal(group.members.length, 2);

    const removed = await run(["members", "remove", title, bob.username], aliceDir);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      new RegExp(`^removed @${bob.username} from [0-9a-f]{8}  ${title}  \\(1 member\\)`),
    );
    const after = await apiOf(alice).conversation(group.id);
    assert.equal(after.members.length, 1);

    const addAgain = await run(["members", "add", title, bob.username], aliceDir);
    assert.match(addAgain.stdout, new RegExp(`^added @${bob.username} to`));
  });

  it("members refuses an unknown person, a conversation you are not in, and missing words", async () => {
    const title = `Solo ${uniqueUsername("g")}`;
    await run(["group", "create", title], aliceDir);
    const daveDir = loggedIn(server.url, dave);
    const [unknown, notMember, noUsers, extra, badAction, noTitle] = await Promise.all([
      run(["members", "add", title, "@nobody-here-at-all"], aliceDir),
      run(["members", "add", title, alice.username], daveDir),
      run(["members", "add", title], aliceDir),
      run(["members", title, "extra"], aliceDir),
      run(["group", "rename", "x"], aliceDir),
      run(["group", "create", " "], aliceDir),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: not_found: no user is named/);

    assert.equal(notMember.code, 1);
    assert.match(notMember.stderr, /^chat-client: not_found: no conversation matches/);

    assert.equal(noUsers.code, 1);
    assert.match(noUsers.stderr, /^chat-client: usage: members add: missing <username>/);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /^chat-client: usage: members: unexpected argument "extra"/);
    assert.equal(badAction.code, 1);
    assert.match(badAction.stderr, /^chat-client: usage: group: unknown action "rename"/);
    assert.equal(noTitle.code, 1);
    assert.match(noTitle.stderr, /^chat-client: usage: group create: the title is empty/);
  });

  it("CHAT_TOKEN with CHAT_SERVER runs a command without a saved session", async () => {
    const empty = configDir();
    const env = { CHAT_TOKEN: alice.token, CHAT_SERVER: server.url };
    const who = await run(["whoami", "--json"], empty, undefined, { env });
    assert.equal(who.code, 0, who.stderr);
    assert.equal((JSON.parse(who.stdout) as { user: { id: string } }).user.id, alice.id);
    const dm = await run(["dm", bob.username, "--json"], empty, undefined, { env });
    assert.equal(dm.code, 0, dm.stderr);
    assert.equal((JSON.parse(dm.stdout) as { created: boolean }).created, false);

    const refused = await run(["conversations"], empty, undefined, {
      env: { CHAT_TOKEN: "not-a-token", CHAT_SERVER: server.url },
    });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^chat-client: \w+: the server refused CHAT_TOKEN/);
    const noServer = await run(["conversations"], empty, undefined, {
      env: { CHAT_TOKEN: alice.token },
    });
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /CHAT_TOKEN is set but not CHAT_SERVER/);
  });
});
