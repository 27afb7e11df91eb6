/**
 * chat-client in end-to-end encrypted conversations against a real server on each
 * storage engine: `dm --encrypted` and `group create --encrypted` set the group up,
 * `send` encrypts and `tail` shows plaintext (history and live, another person's and this
 * device's own, with `tail` and `send` running at once on one installation) while the
 * server holds none of it; `edit`, `react` and `send --thread` send encrypted content
 * that the other device folds into the message it changes; `send --attach` seals a file the
 * other device opens with `download`; a member's second installation is added beside the first; a
 * device nobody added, a person with no device and a damaged state file are clear errors.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { EncryptedGroup, loadDevice } from "@private-chat/sdk/mls";
import {
  type Client,
  jsonLines,
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

forEachEngine("chat-client: encrypted conversations", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceDir: string;
  let bobDir: string;
  let carolDir: string;
  /** Alice and Bob's encrypted direct chat, from the first test on. */
  let dmId: string;
  const tails: Client[] = [];
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });
  /** What `tail ARGS` printed once `needle` showed. */
  async function tailUntil(args: string[], dir: string, needle: string): Promise<string> {
    const tail = start(["tail", ...args], dir);
    tails.push(tail);
    await waitFor(needle, tail.stdout, (s) => s.includes(needle));
    stop(tail);
    return tail.stdout();
  }

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [{ user: alice, dir: aliceDir }, { user: bob, dir: bobDir }, { user: carol, dir: carolDir }] =
      await Promise.all([
        signedInPerson(server.url),
        signedInPerson(server.url),
        signedInPerson(server.url),
      ]);
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await server.stop();
    removeConfigDirs();
  });

  it("dm --encrypted, then send and tail read plaintext the server never holds", async () => {
    const bobDevice = await run(["devices", "add", "phone"], bobDir);
    assert.equal(bobDevice.code, 0, bobDevice.stderr);

    const dm = await run(["dm", bob.username, "--encrypted", "--json"], aliceDir);
    assert.equal(dm.code, 0, dm.stderr);
    assert.match(dm.stderr, /added this installation as your device/);
    const { conversation } = JSON.parse(dm.stdout);
    assert.equal(conversation.encrypted, true);

    const sent = await run(
      ["send", `@${bob.username}`, "--encrypted", "the eagle lands at noon"],
      aliceDir,
    );
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /the eagle lands at noon$/m);

    // "@alice" alone names the encrypted chat: there is no plain one.
    const tail = start(["tail", `@${alice.username}`, "--history", "5"], bobDir);
    tails.push(tail);
    await waitFor("history", tail.stdout, (s) => s.includes("the eagle lands at noon"));
    // Bob sends from another process of the same installation while the tail runs.
    const reply = await run(["send", `@${alice.username}`, "copy that"], bobDir);
    assert.equal(reply.code, 0, reply.stderr);
    await waitFor("own message", tail.stdout, (s) => s.includes("copy that"));
    const third = await run(["send", conversation.id, "over and out"], aliceDir);
    assert.equal(third.code, 0, third.stderr);
    await waitFor("live message", tail.stdout, (s) => s.includes("over and out"));
    assert.doesNotMatch(tail.stdout(), /cannot be read/);
    stop(tail);

    // Alice reads her own messages from her store and Bob's from the group.
    const mine = await tailUntil(
      [`@${bob.username}`, "--encrypted", "--history", "5"],
      aliceDir,
      "over and out",
    );
    assert.match(mine, /the eagle lands at noon[\s\S]*copy that[\s\S]*over and out/);

    const history = await api(alice).history(conversation.id, { limit: 100 });
    assert.ok(history.length >= 4);
    for (const message of history) {
      assert.ok(message.mls, "every message is an MLS message");
      for (const plain of ["eagle", "copy that", "over and out"])
        assert.ok(!message.body.includes(plain));
    }
    const store = join(bobDir, `e2ee-${bob.id}`);
    assert.equal(statSync(store).mode & 0o777, 0o700);
    const files = readdirSync(store).filter((n) => /\.(json|log)$/.test(n));
    assert.deepEqual(files.map((n) => n.split(".").at(-1)).sort(), ["json", "log"]);
    for (const name of files) assert.equal(statSync(join(store, name)).mode & 0o777, 0o600);

    // A store written before the plaintexts had a log of their own still reads.
    const stateFile = join(store, `${conversation.id}.json`);
    const { log, ...state } = JSON.parse(readFileSync(stateFile, "utf8"));
    const logFile = join(store, `${conversation.id}.${log.gen}.log`);
    const messages: Record<string, unknown> = {};
    for (const line of readFileSync(logFile, "utf8").trim().split("\n")) {
      const { seq, ...kept } = JSON.parse(line);
      messages[seq] = kept;
    }
    writeFileSync(stateFile, JSON.stringify({ ...state, messages }));
    rmSync(logFile);
    const again = await tailUntil([`@${alice.username}`, "--history", "5"], bobDir, "over and out");
    assert.match(again, /the eagle lands at noon[\s\S]*copy that/);
    dmId = conversation.id;
  });

  it("edit, react and send --thread travel encrypted, and the other device folds them", async () => {
    const asked = await run(["send", dmId, "which gate?", "--json"], aliceDir);
    assert.equal(asked.code, 0, asked.stderr);
    const question = JSON.parse(asked.stdout);
    const live = start(["tail", dmId, "--history", "1"], bobDir);
    tails.push(live);
    await waitFor("the question", live.stdout, (s) => s.includes("which gate?"));

    const edited = await run(["edit", question.id, "which gate, and when?"], aliceDir);
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /\(edited\) which gate, and when\?$/m);
    // Live on Bob's device, as a plain edit shows.
    await waitFor("the edit", live.stdout, (s) => /\(edited\) which gate, and when\?/.test(s));
    const notMine = await run(["edit", question.id, "bob was here"], bobDir);
    assert.equal(notMine.code, 1);
    assert.match(notMine.stderr, /forbidden/);
    const reacted = await run(["react", question.id, "👍"], bobDir);
    assert.equal(reacted.code, 0, reacted.stderr);
    assert.equal(reacted.stdout.trim(), "reacted 👍; now 👍 1");
    const answered = await run(["send", dmId, "--thread", question.id, "gate 4 at noon"], bobDir);
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stdout, /↳ .*gate 4 at noon/);
    // The timeline notes a reply in a thread, as it does a plain one; the thread shows it.
    const tag = question.id.slice(-8);
    await waitFor("the note", live.stdout, (s) => s.includes(`replied in thread ${tag}`));
    assert.ok(!live.stdout().includes("gate 4 at noon"), live.stdout());
    stop(live);

    // Alice's device reads it back from the group, folded into the messages plain ones are:
    // the root counts the reply, which the timeline leaves to the thread.
    const shown = await tailUntil([dmId, "--history", "5", "--json"], aliceDir, "and when?");
    const root = jsonLines(shown).at(-1)?.message;
    assert.equal(root.id, question.id);
    assert.equal(root.body, "which gate, and when?");
    assert.equal(typeof root.edited_at, "number");
    assert.deepEqual(root.reactions, [{ emoji: "👍", count: 1, user_ids: [bob.id] }]);
    assert.equal(root.thread.reply_count, 1);
    const thread = await tailUntil([dmId, "--thread", question.id, "--json"], aliceDir, "gate 4");
    const reply = jsonLines(thread).at(-1)?.message;
    assert.equal(reply.thread_id, question.id);
    assert.equal(reply.body, "gate 4 at noon");
    const again = await run(["react", question.id, "👍"], aliceDir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), "reacted 👍; now 👍 2"); // Bob's from Alice's device's log
    for (const message of await api(alice).history(dmId, { limit: 100 }))
      for (const plain of ["gate", "👍", "bob was here"]) assert.ok(!message.body.includes(plain));
  });

  it("send --attach seals a file that the other member's device downloads and opens", async () => {
    const path = join(aliceDir, "plan.txt");
    writeFileSync(path, "meet at the north gate");
    const sent = await run(["send", dmId, "the plan", "--attach", path, "--json"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    const [file] = JSON.parse(sent.stdout).attachments;
    assert.deepEqual([file.name, file.size], ["plan.txt", 22]);
    const stored = await api(bob).downloadAttachment(file.id);
    assert.ok(!Buffer.from(await stored.arrayBuffer()).includes("north gate"));
    const out = join(bobDir, "got.txt");
    const got = await run(["download", file.id, "--out", out], bobDir);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(readFileSync(out, "utf8"), "meet at the north gate");
  });

  it("group create --encrypted: members added later are committed in, removed ones out", async () => {
    const made = await run(
      ["group", "create", "Sealed", bob.username, carol.username, "--encrypted", "--json"],
      aliceDir,
    );
    assert.equal(made.code, 0, made.stderr);
    const group = JSON.parse(made.stdout);
    assert.equal(group.encrypted, true);
    const sent = await run(["send", "Sealed", "for the two devices"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    await tailUntil(["Sealed", "--history", "3"], bobDir, "for the two devices");

    // Carol had no device when the group was set up: hers is made now, and nobody added it.
    const carolReads = await run(["tail", "Sealed"], carolDir);
    assert.equal(carolReads.code, 1);
    assert.match(carolReads.stderr, /added this installation as your device/);
    assert.match(
      carolReads.stderr,
      /^chat-client: not_added: this device is not in the conversation's group yet/m,
    );

    // Alice's next send, once her minute's wait on a member with no device is over, adds
    // Carol's new device; Carol reads from there on. (The wait is cleared here to make it now.)
    const aliceFile = join(aliceDir, `e2ee-${alice.id}`, `${group.id}.json`);
    const lookAgain = () =>
      writeFileSync(
        aliceFile,
        JSON.stringify({ ...JSON.parse(readFileSync(aliceFile, "utf8")), checked_at: {} }),
      );
    lookAgain();
    const later = await run(["send", "Sealed", "now with carol"], aliceDir);
    assert.equal(later.code, 0, later.stderr);
    const carolReadsNow = await tailUntil(["Sealed", "--history", "5"], carolDir, "with carol");
    assert.match(
      carolReadsNow,
      /\[cannot be read on this device: sent before this device joined\]/,
    );
    assert.doesNotMatch(carolReadsNow, /for the two devices/);

    // A device removed from Carol's account is committed out at Alice's next check (the
    // cache of when each member's devices last matched is cleared here to make it now).
    const carolDevice = (await api(carol).devices.list())[0];
    assert.ok(carolDevice);
    assert.equal((await run(["devices", "remove", carolDevice.id], carolDir)).code, 0);
    lookAgain();
    const afterCarol = await run(["send", "Sealed", "carol's old device is out"], aliceDir);
    assert.equal(afterCarol.code, 0, afterCarol.stderr);
    const aliceState = JSON.parse(readFileSync(aliceFile, "utf8"));
    const aliceKeys = loadDevice(
      JSON.parse(readFileSync(join(aliceDir, `device-${alice.id}.json`), "utf8")),
    );
    const inGroup = EncryptedGroup.load(
      aliceKeys.keys,
      Buffer.from(aliceState.group, "base64url"),
    ).members();
    assert.ok(!inGroup.some((d) => d.deviceId === carolDevice.id), "carol's removed device is out");
    assert.ok(inGroup.some((d) => d.userId === bob.id));

    // Removing Bob commits his devices out: what follows does not open with his saved state.
    const bobState = JSON.parse(
      readFileSync(join(bobDir, `e2ee-${bob.id}`, `${group.id}.json`), "utf8"),
    );
    const removed = await run(["members", "remove", "Sealed", bob.username], aliceDir);
    assert.equal(removed.code, 0, removed.stderr);
    const secret = await run(["send", "Sealed", "bob must not read this"], aliceDir);
    assert.equal(secret.code, 0, secret.stderr);
    const after = await api(alice).history(group.id, { after: bobState.seq, limit: 100 });
    const bobKeys = loadDevice(
      JSON.parse(readFileSync(join(bobDir, `device-${bob.id}.json`), "utf8")),
    );
    const bobGroup = EncryptedGroup.load(bobKeys.keys, Buffer.from(bobState.group, "base64url"));
    const opened: string[] = [];
    for (const message of after) {
      try {
        const got = await bobGroup.receive(Buffer.from(message.body, "base64url"));
        if (got.kind === "message") opened.push(new TextDecoder().decode(got.plaintext));
      } catch {
        // Refused: expected once the removal is in.
      }
    }
    assert.ok(
      after.some((m) => m.mls?.kind === "commit"),
      "the removal is a commit",
    );
    assert.ok(!opened.includes("bob must not read this"), `bob opened ${opened.join(", ")}`);

    writeFileSync(join(aliceDir, `e2ee-${alice.id}`, `${group.id}.json`), "{not json");
    const damaged = await run(["send", "Sealed", "hello"], aliceDir);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /config_error: .* is not an encrypted conversation's state/);
  });

  it("adds a member's new installation beside the one already in the group, and says so", async () => {
    const { user: erin, dir: phone } = await signedInPerson(server.url);
    assert.equal((await run(["devices", "add", "phone"], phone)).code, 0);
    const dm = await run(["dm", erin.username, "--encrypted", "--json"], aliceDir);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout);
    // Alice and Erin compare safety numbers, and Alice marks Erin's phone verified.
    const numbers = await Promise.all([
      run(["verify", erin.username, "--json"], aliceDir),
      run(["verify", alice.username, "--json"], phone),
    ]);
    for (const shown of numbers) assert.equal(shown.code, 0, shown.stderr);
    const [aliceSees, erinSees] = numbers.map((n) => JSON.parse(n.stdout));
    assert.match(aliceSees.safety_number, /^\d{60}$/);
    assert.equal(aliceSees.safety_number, erinSees.safety_number);
    assert.deepEqual(
      aliceSees.devices.map((d: { verified: boolean }) => d.verified),
      [false],
    );
    const confirmed = await run(["verify", `@${erin.username}`, "--confirm"], aliceDir);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /^safety number with @\S+:\n( {2}\d{5} \d{5} \d{5} \d{5}\n){3}/);
    assert.match(confirmed.stdout, /^ {2}[0-9a-f]{8} {2}phone +verified$/m);
    assert.match(confirmed.stderr, /marked @\S+'s 1 device verified/);

    const laptop = loggedIn(server.url, erin);
    assert.equal((await run(["devices", "add", "laptop"], laptop)).code, 0);
    // Alice last looked at Erin's devices when the chat began: make her look again now.
    const aliceFile = join(aliceDir, `e2ee-${alice.id}`, `${conversation.id}.json`);
    writeFileSync(
      aliceFile,
      JSON.stringify({ ...JSON.parse(readFileSync(aliceFile, "utf8")), checked_at: {} }),
    );
    const sent = await run(["send", conversation.id, "to both of your devices"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(
      sent.stderr,
      /@\S+ has a new device for encrypted chats: "laptop" \([0-9a-f-]{8}\); @\S+ is no longer verified: compare safety numbers again with chat-client verify @\S+/,
    );
    const after = await run(["verify", erin.username, "--json"], aliceDir);
    assert.equal(after.code, 0, after.stderr);
    const now = JSON.parse(after.stdout);
    assert.notEqual(now.safety_number, aliceSees.safety_number);
    assert.deepEqual(
      Object.fromEntries(
        now.devices.map((d: { name: string; verified: boolean }) => [d.name, d.verified]),
      ),
      { phone: true, laptop: false },
    );
    for (const dir of [phone, laptop])
      await tailUntil([`@${alice.username}`, "--history", "5"], dir, "to both of your devices");
  });

  it("a person with no device yet: the group waits, and sending says why", async () => {
    const dave = await createUser(server.url);
    const made = await run(["dm", dave.username, "--encrypted"], aliceDir);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /nobody else in @\S+ has a device for end-to-end encryption yet/);
    const sent = await run(["send", `@${dave.username}`, "--encrypted", "anyone there?"], aliceDir);
    assert.equal(sent.code, 1);
    assert.match(
      sent.stderr,
      /^chat-client: no_device: nobody else in this conversation has a device/m,
    );
    for (const [args, error] of [
      [["verify", dave.username], /^chat-client: no_device: @\S+ has no device for end-to-end/],
      [
        ["verify", alice.username],
        /^chat-client: usage: verify: compare safety numbers with someone else/,
      ],
      [
        ["verify", "nobody-by-that-name"],
        /^chat-client: not_found: no user is named @nobody-by-that-name/,
      ],
      [["verify"], /^chat-client: usage: /],
    ] as const) {
      const refused = await run([...args], aliceDir);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, error);
    }
  });

  it("tail tops up this device's key packages when others have claimed most of them", async () => {
    const { user: frank, dir: frankDir } = await signedInPerson(server.url);
    assert.equal((await run(["devices", "add"], frankDir)).code, 0);
    const chat = await api(alice).createConversation({ type: "direct", member_ids: [frank.id] });
    await api(alice).sendMessage(chat.id, { body: "are you there" });
    const tail = start(["tail", chat.id, "--history", "1"], frankDir);
    tails.push(tail);
    // tail prints the history once its socket is open: the claims come after.
    await waitFor("the socket", tail.stdout, (s) => s.includes("are you there"));
    // Two people claim, each within the server's budget for one person's packages.
    for (let i = 0; i < 11; i++)
      await api(i % 2 ? alice : carol).devices.claimKeyPackages(frank.id);
    await waitFor("the top-up", tail.stderr, (s) => s.includes("uploaded 11 new key packages"));
    const [device] = await api(frank).devices.list();
    assert.equal(device?.unused_key_packages, 20);
    const saved = loadDevice(
      JSON.parse(readFileSync(join(frankDir, `device-${frank.id}.json`), "utf8")),
    );
    assert.equal(saved.held.length, 21 + 11);
    stop(tail);
  });
});
