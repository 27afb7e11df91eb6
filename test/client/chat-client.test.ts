import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiClient, type ConversationView } from "@private-chat/sdk";
import {
  configDir,
  jsonLines,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  WAIT_TIMEOUT_MS,
  waitFor,
} from "../helpers/client-cli.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { type FlakyProxy, startProxy } from "../helpers/proxy.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceDir: string;
  let direct: ConversationView;
  let team: ConversationView;
  let teamTitle: string;
  const bobApi = () => new ApiClient({ baseUrl: server.url, token: bob.token });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    carol = await createUser(server.url);
    const api = new ApiClient({ baseUrl: server.url, token: alice.token });
    direct = await api.createConversation({ type: "direct", member_ids: [bob.id] });
    // Alice and Bob shared nothing: Bob accepts her message request to chat as friends do.
    if (direct.request === "sent") await bobApi().acceptRequest(direct.id);
    teamTitle = `Team ${uniqueUsername("t")}`;
    team = await api.createConversation({ type: "group", title: teamTitle, member_ids: [bob.id] });
    await api.createConversation({ type: "group", title: "Dup", member_ids: [carol.id] });
    await api.createConversation({ type: "group", title: "dup", member_ids: [bob.id] });
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("prints --help listing every command, and --version", async () => {
    const help = await run(["--help"], configDir());
    assert.equal(help.code, 0);
    for (const usage of [
      "login --server URL",
      "register --server URL",
      "logout",
      "conversations [--json]",
      "send <conversation> <text...>",
      "tail <conversation> [--history N] [--thread MESSAGE] [--json]",
    ]) {
      assert.ok(help.stdout.includes(usage), usage);
    }
    const version = await run(["--version"], configDir());
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const unknown = await run(["frobnicate"], configDir());
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: usage: unknown command "frobnicate"/);
  });

  it("exits 2 with a hint when not logged in", async () => {
    const result = await run(["conversations"], configDir());
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /run chat-client login --server URL first/);
  });

  it("logs in from piped stdin, saving a 0600 credentials file without printing the token", async () => {
    const dir = join(configDir(), "nested");
    const result = await run(
      ["login", "--server", server.url],
      dir,
      `${alice.username}\n${alice.password}\n`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`logged in as ${alice.username}`));
    const file = join(dir, "credentials.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(saved.server, server.url);
    assert.equal(saved.username, alice.username);
    assert.equal(saved.user_id, alice.id);
    assert.ok(saved.token.length > 20);
    assert.ok(!result.stdout.includes(saved.token) && !result.stderr.includes(saved.token));
    const me = await new ApiClient({ baseUrl: server.url, token: saved.token }).me();
    assert.equal(me.id, alice.id);

    const passwordFile = join(configDir(), "password");
    writeFileSync(passwordFile, "wrong password\n");
    const refused = await run(
      [
        "login",
        "--server",
        server.url,
        "--username",
        alice.username,
        "--password-file",
        passwordFile,
      ],
      configDir(),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^chat-client: invalid_credentials: /);
  });

  it("logout ends the session on the server and deletes the file", async () => {
    const dave = await createUser(server.url);
    const dir = loggedIn(server.url, dave);
    const result = await run(["logout"], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.throws(() => statSync(join(dir, "credentials.json")));
    await assert.rejects(new ApiClient({ baseUrl: server.url, token: dave.token }).me(), {
      status: 401,
    });
    assert.equal((await run(["conversations"], dir)).code, 2);
  });

  it("conversations lists one line each, or the raw array with --json", async () => {
    const json = await run(["conversations", "--json"], aliceDir);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as ConversationView[];
    assert.ok(Array.isArray(list));
    assert.ok(list.some((c) => c.id === direct.id && c.type === "direct"));
    assert.ok(list.some((c) => c.id === team.id && c.title === teamTitle));

    const text = await run(["conversations"], aliceDir);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split("\n");
    assert.equal(lines.length, list.length);
    const directLine = lines.find((l) => l.startsWith(direct.id.slice(0, 8)));
    assert.match(directLine ?? "", new RegExp(`direct\\s+@${bob.username}`));
    assert.ok(lines.some((l) => l.startsWith(team.id.slice(0, 8)) && l.includes(teamTitle)));
  });

  it("sends by username, @username and group title; the other member receives them", async () => {
    const byName = await run(["send", bob.username, "hello", "by", "name"], aliceDir);
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stdout, new RegExp(`${alice.username} hello by name`));
    const byAt = await run(["send", `@${bob.username}`, "--json", "hello by at"], aliceDir);
    assert.equal(byAt.code, 0, byAt.stderr);
    const stored = JSON.parse(byAt.stdout);
    assert.equal(stored.conversation_id, direct.id);
    assert.equal(stored.body, "hello by at");
    const byTitle = await run(["send", teamTitle.toUpperCase(), "-"], aliceDir, "to the team\n");
    assert.equal(byTitle.code, 0, byTitle.stderr);

    const directBodies = (await bobApi().history(direct.id)).map((m) => m.body);
    assert.ok(directBodies.includes("hello by name"));
    assert.ok(directBodies.includes("hello by at"));
    const teamHistory = await bobApi().history(team.id);
    assert.equal(teamHistory.at(-1)?.body, "to the team");
    assert.equal(teamHistory.at(-1)?.sender_id, alice.id);
  });

  it("send --attach uploads files and sends them with the text; an unreadable one sends nothing", async () => {
    const notes = join(aliceDir, "notes.txt");
    writeFileSync(notes, "meeting notes\n");
    const sent = await run(
      ["send", `@${bob.username}`, "the notes", "--attach", notes, "--attach", notes, "--json"],
      aliceDir,
    );
    assert.equal(sent.code, 0, sent.stderr);
    const stored = JSON.parse(sent.stdout);
    assert.equal(stored.body, "the notes");
    assert.deepEqual(
      stored.attachments.map((a: { name: string; size: number }) => [a.name, a.size]),
      [
        ["notes.txt", 14],
        ["notes.txt", 14],
      ],
    );
    const seen = (await bobApi().history(direct.id)).at(-1);
    assert.equal(seen?.attachments?.length, 2);
    const text = await run(["send", `@${bob.username}`, "again", "--attach", notes], aliceDir);
    assert.match(text.stdout, /again \[file: notes\.txt \(14 B\)\]$/m);

    const before = (await bobApi().history(direct.id)).length;
    const missing = await run(
      ["send", `@${bob.username}`, "nothing", "--attach", join(aliceDir, "absent.txt")],
      aliceDir,
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^chat-client: invalid_request: cannot read /);
    assert.equal((await bobApi().history(direct.id)).length, before);
  });

  it("refuses an ambiguous or unknown conversation with exit 1, naming the candidates", async () => {
    const ambiguous = await run(["send", "DUP", "hi"], aliceDir);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /^chat-client: ambiguous: "DUP" matches 2 conversations: /);
    const list = await new ApiClient({ baseUrl: server.url, token: alice.token }).conversations();
    for (const c of list.filter((c) => c.title?.toLowerCase() === "dup")) {
      assert.ok(ambiguous.stderr.includes(c.id.slice(0, 8)), c.id);
    }
    assert.equal(ambiguous.stderr.trim().split("\n").length, 1);
    const unknown = await run(["send", "no-such-chat", "hi"], aliceDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: not_found: no conversation matches "no-such-chat"/);
  });

  it("tail prints history, then live messages from another user, and keeps following", async () => {
    await bobApi().sendMessage(team.id, { body: "before the tail" });
    const tail = start(["tail", teamTitle, "--history", "3"], aliceDir);
    try {
      await waitFor("history", tail.stdout, (s) => s.includes("before the tail"));
      await bobApi().sendMessage(team.id, { body: "live one" });
      await waitFor("first live message", tail.stdout, (s) => s.includes("live one"));
      await bobApi().sendMessage(team.id, { body: "\u001b[31mred\u001b]0;title\u0007 text" });
      await bobApi().sendMessage(team.id, { body: "live two" });
      await waitFor("second live message", tail.stdout, (s) => s.includes("live two"));
      const lines = tail.stdout().trim().split("\n");
      assert.ok(lines.length <= 5, "at most 3 history lines plus the live ones");
      assert.match(lines.at(-3) ?? "", new RegExp(`^\\d\\d:\\d\\d ${bob.username} live one$`));
      assert.match(lines.at(-2) ?? "", new RegExp(`${bob.username} red text$`));
      assert.ok(!tail.stdout().includes("\u001b"), "no escape byte reaches the terminal");
      assert.ok(tail.child.exitCode === null, "still following");
    } finally {
      stop(tail);
    }
  });

  it("tail --json prints one parseable event per line", async () => {
    const tail = start(["tail", direct.id.slice(0, 8), "--json", "--history", "2"], aliceDir);
    try {
      await waitFor("history", tail.stdout, (s) => s.trim().split("\n").length >= 2);
      await bobApi().sendMessage(direct.id, { body: "json live \u001b[2J" });
      await waitFor("live event", tail.stdout, (s) => s.includes("json live"));
      const events = jsonLines(tail.stdout());
      assert.equal(events.length, 3);
      assert.ok(events.every((e) => e.type === "message.new" && e.conversation_id === direct.id));
      const live = events[2];
      assert.equal(typeof live.cursor, "number");
      assert.equal(live.message.body, "json live \u001b[2J", "JSON keeps the text, escaped");
      assert.ok(!tail.stdout().includes("\u001b"));
    } finally {
      stop(tail);
    }
  });

  it("tail stops with exit 2 when its session is revoked elsewhere", async () => {
    const erin = await createUser(server.url);
    const erinApi = new ApiClient({ baseUrl: server.url, token: erin.token });
    const chat = await erinApi.createConversation({ type: "direct", member_ids: [bob.id] });
    if (chat.request === "sent") await bobApi().acceptRequest(chat.id);
    await erinApi.sendMessage(chat.id, { body: "first" });
    const tail = start(["tail", bob.username, "--history", "1"], loggedIn(server.url, erin));
    try {
      await waitFor("history", tail.stdout, (s) => s.includes("first"));
      await erinApi.logout();
      const result = await Promise.race([
        tail.done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("tail did not stop")), WAIT_TIMEOUT_MS),
        ),
      ]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /run chat-client login --server URL again/);
    } finally {
      stop(tail);
    }
  });

  it("strips escape sequences from names, previews and echoed messages", async () => {
    const sent = await run(["send", `@${bob.username}`, "\u001b[31mred"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, / red\n$/);
    assert.ok(!sent.stdout.includes("\u001b"));
    const listed = await run(["conversations"], aliceDir);
    assert.match(listed.stdout, new RegExp(`${alice.username}: red`));
    assert.ok(!listed.stdout.includes("\u001b"));
  });

  it("shows formatted messages as their words off a terminal, the body stored as typed", async () => {
    const body = "**bold** and `code` in [the docs](https://example.com/d)";
    const sent = await run(["send", `@${bob.username}`, body], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, / bold and code in the docs \(https:\/\/example\.com\/d\)\n$/);
    assert.ok(!sent.stdout.includes("\u001b"));
    const listed = await run(["conversations"], aliceDir);
    assert.match(listed.stdout, new RegExp(`${alice.username}: bold and code in the docs`));
    const json = await run(["send", `@${bob.username}`, "--json", body], aliceDir);
    assert.equal(JSON.parse(json.stdout).body, body);
  });

  describe("over a flaky network", () => {
    let proxy: FlakyProxy;
    before(async () => {
      proxy = await startProxy(server.url);
    });
    after(async () => {
      await proxy.close();
    });

    it("tail keeps following across a dropped connection and says so on stderr", async () => {
      const dir = loggedIn(proxy.url, alice);
      await bobApi().sendMessage(direct.id, { body: "ping before the drop" });
      const tail = start(["tail", `@${bob.username}`, "--history", "1"], dir);
      try {
        // History is printed once the socket is open, so from here on it is following.
        await waitFor("live message", tail.stdout, (s) => s.includes("ping before the drop"));
        proxy.cut();
        await waitFor("a status line", tail.stderr, (s) => s.includes("reconnecting"));
        // Sent while the client may still be away: the resume sync must deliver it.
        await bobApi().sendMessage(direct.id, { body: "sent during the drop" });
        await waitFor("reconnected", tail.stderr, (s) => /\bconnected\n/.test(s));
        await bobApi().sendMessage(direct.id, { body: "after the drop" });
        await waitFor("message after the drop", tail.stdout, (s) => s.includes("after the drop"));
        const bodies = tail.stdout().trim().split("\n");
        assert.equal(bodies.length, 3, tail.stdout());
        assert.ok(bodies[1]?.endsWith("sent during the drop"));
      } finally {
        stop(tail);
      }
    });
  });
});
