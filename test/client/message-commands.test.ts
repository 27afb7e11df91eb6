/**
 * chat-client edit, delete, react, read, search and download, run as child processes
 * against a real server: each command's text and --json output, and its refusals; a
 * plain file is downloaded as is whatever its name and type.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiClient, type ConversationView, type MessageView } from "@private-chat/sdk";
import { loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client message commands", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceDir: string;
  let direct: ConversationView;
  let work: string;
  const apiOf = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });
  const send = (user: TestUser, body: string, attachmentIds?: string[]) =>
    apiOf(user).sendMessage(direct.id, {
      body,
      ...(attachmentIds ? { attachment_ids: attachmentIds } : {}),
    });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob, carol] = await Promise.all([
      createUser(server.url),
      createUser(server.url),
      createUser(server.url),
    ]);
    direct = await apiOf(alice).createConversation({ type: "direct", member_ids: [bob.id] });
    if (direct.request === "sent") await apiOf(bob).acceptRequest(direct.id);
    aliceDir = loggedIn(server.url, alice);
    work = mkdtempSync(join(tmpdir(), "chat-client-download-"));
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
    rmSync(work, { recursive: true, force: true });
  });

  it("edit replaces the text of a message; --json prints it; others' messages and bad ids fail", async () => {
    const mine = await send(alice, "teh plan");
    const theirs = await send(bob, "bob's words");
    const [text, json, foreign, badId, unknown, empty] = await Promise.all([
      run(["edit", mine.id, "the", "plan"], aliceDir),
      run(["edit", mine.id, "the final plan", "--json"], loggedIn(server.url, alice)),
      run(["edit", theirs.id, "mine now"], aliceDir),
      run(["edit", "../etc/passwd", "x"], aliceDir),
      run(["edit", "00000000-0000-4000-8000-000000000000", "x"], aliceDir),
      run(["edit", mine.id, " "], aliceDir),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${alice.username}.*the (final )?plan`));
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as MessageView).id, mine.id);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /^chat-client: (forbidden|not_found|not_sender)\w*: /);
    assert.equal(badId.code, 1);
    assert.equal(
      badId.stderr,
      'chat-client: invalid_request: "../etc/passwd" is not a message id\n',
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: not_found: /);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^chat-client: body_empty: the message is empty/);
  });

  it("delete deletes a message; --json shows it deleted; a stranger cannot", async () => {
    const first = await send(alice, "oops one");
    const second = await send(alice, "oops two");
    const [text, json, stranger] = await Promise.all([
      run(["delete", first.id], aliceDir),
      run(["delete", second.id, "--json"], aliceDir),
      run(["delete", first.id], loggedIn(server.url, carol)),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.length > 0);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as MessageView).deleted, true);
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /^chat-client: not_found: /);
    assert.equal((await apiOf(bob).message(first.id)).deleted, true);
  });

  it("react adds a reaction and --remove takes it back", async () => {
    const message = await send(bob, "ship it?");
    const added = await run(["react", message.id, "👍"], aliceDir);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, "reacted 👍; now 👍 1\n");
    const json = await run(["react", message.id, "🎉", "--json"], aliceDir);
    const reactions = (JSON.parse(json.stdout) as MessageView).reactions ?? [];
    assert.deepEqual(reactions.map((r) => r.emoji).sort(), ["👍", "🎉"].sort());
    const removed = await run(["react", message.id, "👍", "--remove", "--json"], aliceDir);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(
      ((JSON.parse(removed.stdout) as MessageView).reactions ?? []).map((r) => r.emoji),
      ["🎉"],
    );
    const [noEmoji, badId] = await Promise.all([
      run(["react", message.id], aliceDir),
      run(["react", "not an id", "👍"], aliceDir),
    ]);
    assert.equal(noEmoji.code, 1);
    assert.match(noEmoji.stderr, /^chat-client: usage: react: missing <emoji>/);
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /^chat-client: invalid_request: "not an id" is not a message id/);
  });

  it("read marks a conversation read up to its newest message", async () => {
    await send(bob, "read me");
    const before = (await apiOf(alice).conversation(direct.id)).unread_count;
    assert.ok(before > 0);
    const text = await run(["read", `@${bob.username}`], aliceDir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^marked @${bob.username} read up to message \\d+\\n$`));
    assert.equal((await apiOf(alice).conversation(direct.id)).unread_count, 0);
    const latest = await send(bob, "and me");
    const json = await run(["read", direct.id.slice(0, 8), "--json"], aliceDir);
    assert.deepEqual(JSON.parse(json.stdout), { conversation_id: direct.id, read_seq: latest.seq });
    const unknown = await run(["read", "no-such-conversation"], aliceDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^chat-client: not_found: no conversation matches/);
  });

  it("search finds messages, within one conversation with --in; --json prints the answer", async () => {
    const found = await send(bob, "the zeppelin lands at noon");
    const [text, within, json, none, empty, notMine] = await Promise.all([
      run(["search", "zeppelin"], aliceDir),
      run(["search", "zeppelin", "--in", `@${bob.username}`], aliceDir),
      run(["search", "zeppelin", "--json"], aliceDir),
      run(["search", "xylophonequartz"], aliceDir),
      run(["search", " "], aliceDir),
      run(["search", "zeppelin", "--in", "nowhere"], aliceDir),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`^${found.id}  .*@${bob.username}  ${bob.username}: .*zeppelin`),
    );
    assert.equal(within.code, 0, within.stderr);
    assert.equal(within.stdout.trim().split("\n").length, 1);
    const answer = JSON.parse(json.stdout) as { results: { message: MessageView }[] };
    assert.deepEqual(
      answer.results.map((r) => r.message.id),
      [found.id],
    );
    assert.equal(none.code, 0);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /no messages match/);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^chat-client: usage: the search query is empty/);
    assert.equal(notMine.code, 1);
    assert.match(notMine.stderr, /^chat-client: not_found: /);
  });

  it("download saves a file under a safe name, keeps an existing one unless --force", async () => {
    const bytes = Buffer.from("%PDF-1.4\n%%EOF\n");
    const upload = await apiOf(bob).uploadAttachment(
      direct.id,
      new Blob([bytes]),
      "../../evil\u202e.pdf",
    );
    await send(bob, "the report", [upload.id]);

    const saved = await run(["download", upload.id], aliceDir, undefined, { cwd: work });
    assert.equal(saved.code, 0, saved.stderr);
    const names = readdirSync(work);
    assert.equal(names.length, 1);
    const [name = ""] = names;
    assert.doesNotMatch(name, /[/\\\u202e]|^\./);
    assert.deepEqual(readFileSync(join(work, name)), bytes);
    assert.equal(saved.stdout, `saved ${name} (${bytes.length} bytes)\n`);

    const again = await run(["download", upload.id], aliceDir, undefined, { cwd: work });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^chat-client: file_exists: .* exists; pass --force to replace it/);

    const out = join(work, "copy.pdf");
    writeFileSync(out, "old");
    const kept = await run(["download", upload.id, "--out", out], aliceDir);
    assert.equal(kept.code, 1);
    assert.equal(readFileSync(out, "utf8"), "old");
    const forced = await run(["download", upload.id, "--out", out, "--force", "--json"], aliceDir);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout), { id: upload.id, path: out, bytes: bytes.length });
    assert.deepEqual(readFileSync(out), bytes);

    const [stranger, badId] = await Promise.all([
      run(["download", upload.id, "--out", join(work, "no.pdf")], loggedIn(server.url, carol)),
      run(["download", "../x"], aliceDir),
    ]);
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /^chat-client: not_found: /);
    assert.equal(existsSync(join(work, "no.pdf")), false);
    assert.equal(badId.code, 1);
    assert.match(badId.stderr, /^chat-client: invalid_request: "..\/x" is not an attachment id/);
  });

  it("download saves as is a plain file named and typed as the server stores sealed ones", async () => {
    // What the server calls an encrypted conversation's file (src/attachments/service.ts),
    // uploaded to a plain chat: no message holds a key for it, so nothing is to open.
    const bytes = Buffer.from([0, 1, 2, 3, 255]);
    const upload = await apiOf(bob).uploadAttachment(
      direct.id,
      new Blob([bytes], { type: "application/octet-stream" }),
      "encrypted",
    );
    await send(bob, "not sealed", [upload.id]);
    // An installation that keeps encrypted conversations (none yet) would look for a key.
    const dir = loggedIn(server.url, alice);
    mkdirSync(join(dir, `e2ee-${alice.id}`));
    const out = join(work, "plain.bin");
    const got = await run(["download", upload.id, "--out", out], dir);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stderr, "");
    assert.deepEqual(readFileSync(out), bytes);
  });
});
