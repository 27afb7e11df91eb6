/**
 * chat-client and threads against a real server on each storage engine: `send --thread`
 * takes a message's tag or id (a reply's names its root), `--also-to-conversation` puts
 * the reply in the history too, bad input is an error before anything is sent, and
 * `tail` shows a root's replies and notes a reply in a thread, while `tail --thread`
 * shows the thread itself, in an end-to-end encrypted conversation too (where only the
 * devices know which messages are a thread's).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ApiClient, type ConversationView, type MessageView } from "@private-chat/sdk";
import {
  loggedIn,
  removeConfigDirs,
  run,
  signedInPerson,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

const tagOf = (id: string) => id.slice(-8);

forEachEngine("chat-client: threads", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDir: string;
  let group: ConversationView;
  let root: MessageView;
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    group = await api(alice).createConversation({
      type: "group",
      title: "Planning",
      member_ids: [bob.id],
    });
    root = await api(bob).sendMessage(group.id, { body: "the release plan" });
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("send --thread replies by the root's tag, or by a reply's id; the history leaves them out", async () => {
    const byTag = await run(
      ["send", "Planning", "first", "thought", "--thread", tagOf(root.id), "--json"],
      aliceDir,
    );
    assert.equal(byTag.code, 0, byTag.stderr);
    const first = JSON.parse(byTag.stdout) as MessageView;
    assert.equal(first.thread_id, root.id);
    assert.equal(first.thread_seq, 1);

    // A reply's full id names its thread's root.
    const byReply = await run(
      ["send", "Planning", "second", "--thread", first.id, "--also-to-conversation"],
      aliceDir,
    );
    assert.equal(byReply.code, 0, byReply.stderr);
    assert.match(byReply.stdout, new RegExp(`↳ ${alice.username} second`));

    const thread = await api(bob).thread(root.id);
    assert.deepEqual(
      thread.messages.map((m) => m.body),
      ["first thought", "second"],
    );
    const history = (await api(bob).history(group.id)).map((m) => m.body);
    assert.deepEqual(history, ["the release plan", "second"]);
  });

  it("refuses a lone --also-to-conversation and a message it cannot find, sending nothing", async () => {
    const before = (await api(bob).thread(root.id)).messages.length;
    for (const [args, pattern] of [
      [["send", "Planning", "x", "--also-to-conversation"], /^chat-client: usage: /],
      [["send", "Planning", "x", "--thread", "zzzzzzzz"], /^chat-client: not_found: /],
      [["send", "Planning", "x", "--thread", `${root.id}0`], /^chat-client: not_found: /],
      [["tail", "Planning", "--thread", "zzzzzzzz"], /^chat-client: not_found: /],
    ] as const) {
      const refused = await run([...args], aliceDir);
      assert.equal(refused.code, 1, `${args.join(" ")}: ${refused.stdout}`);
      assert.match(refused.stderr, pattern, args.join(" "));
    }
    assert.equal((await api(bob).thread(root.id)).messages.length, before);
  });

  it("tail shows the root's replies and a note for a live reply; tail --thread the thread", async () => {
    const tail = start(["tail", "Planning", "--history", "5"], aliceDir);
    const threadTail = start(["tail", "Planning", "--thread", tagOf(root.id)], aliceDir);
    try {
      await waitFor("the root's count", tail.stdout, (s) =>
        s.includes(`the release plan (2 replies, thread ${tagOf(root.id)})`),
      );
      await waitFor("the thread's replies", threadTail.stdout, (s) => s.includes("second"));
      assert.match(threadTail.stdout(), /the release plan[^\n]*\n[^\n]*first thought\n/);

      await api(bob).sendMessage(group.id, { body: "third", thread_id: root.id });
      await waitFor("the note", tail.stdout, (s) =>
        s.includes(`${bob.username} replied in thread ${tagOf(root.id)}`),
      );
      await waitFor("the live reply", threadTail.stdout, (s) =>
        new RegExp(`↳ ${bob.username} third`).test(s),
      );
      // Something outside the thread stays out of the thread's tail.
      await api(bob).sendMessage(group.id, { body: "elsewhere" });
      await waitFor("the plain message", tail.stdout, (s) => s.includes("elsewhere"));
      assert.ok(!threadTail.stdout().includes("elsewhere"));
      assert.ok(!tail.stdout().includes("third"), "a thread-only reply is a note in tail");
    } finally {
      stop(tail);
      stop(threadTail);
    }
  });

  it("tail --thread in an encrypted conversation: the root, its replies and their edits, live too", async () => {
    const [carol, dave] = await Promise.all([
      signedInPerson(server.url),
      signedInPerson(server.url),
    ]);
    const ok = async (args: string[], dir: string) => {
      const done = await run(args, dir);
      assert.equal(done.code, 0, `${args.join(" ")}: ${done.stderr}`);
      return done;
    };
    await ok(["devices", "add", "laptop"], dave.dir);
    const dm = JSON.parse(
      (await ok(["dm", dave.user.username, "--encrypted", "--json"], carol.dir)).stdout,
    );
    const id = dm.conversation.id;
    const question = JSON.parse(
      (await ok(["send", id, "lunch where?", "--json"], carol.dir)).stdout,
    );
    await ok(["send", id, "not in the thread"], dave.dir);
    const reply = JSON.parse(
      (await ok(["send", id, "--thread", question.id, "the usual", "--json"], dave.dir)).stdout,
    );
    await ok(["edit", reply.id, "the usual place, at one"], dave.dir);

    // A reply's id names its thread as the root's does.
    const threadTail = start(["tail", id, "--thread", reply.id], carol.dir);
    // The timeline counts the replies under the root and leaves them to the thread.
    const tail = start(["tail", id, "--history", "5"], carol.dir);
    try {
      await waitFor("the root's count", tail.stdout, (s) =>
        s.includes(`lunch where? (1 reply, thread ${tagOf(question.id)})`),
      );
      await waitFor("the thread", threadTail.stdout, (s) => s.includes("at one"));
      assert.match(threadTail.stdout(), /lunch where\?[^\n]*\n[^\n]*the usual place, at one/);
      await ok(["send", id, "--thread", question.id, "see you there"], dave.dir);
      await ok(["send", id, "also not in it"], dave.dir);
      await waitFor("the live reply", threadTail.stdout, (s) => s.includes("see you there"));
      await ok(["send", id, "--thread", question.id, "done"], carol.dir);
      await waitFor("its own reply", threadTail.stdout, (s) => s.includes("done"));
      assert.doesNotMatch(threadTail.stdout(), /not in|cannot be read/);
      await waitFor("the note", tail.stdout, (s) =>
        s.includes(`${dave.user.username} replied in thread ${tagOf(question.id)}`),
      );
      await waitFor("the message after", tail.stdout, (s) => s.includes("also not in it"));
      assert.doesNotMatch(tail.stdout(), /the usual|see you there/);
    } finally {
      stop(threadTail);
      stop(tail);
    }
  });
});
