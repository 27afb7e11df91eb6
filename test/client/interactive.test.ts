/**
 * chat-client's interactive mode on a pseudo-terminal (script(1)) against a real server
 * on each storage engine: the numbered list, /open, lines sent and messages received in
 * the open conversation, notices from the others, /quit; and end-to-end encrypted
 * conversations read and written there as `tail` and `send` do, with the server holding
 * no plaintext, their notices opened, and a device nobody added told so.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import {
  type Client,
  removeConfigDirs,
  run,
  signedInPerson,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

/** Interactive mode for the session saved in `dir`, typed into line by line. */
function session(dir: string): Client & { type: (line: string) => void; screen: () => string } {
  const client = start([], dir, null, { terminal: true });
  clients.push(client);
  return {
    ...client,
    type: (line) => client.child.stdin?.write(`${line}\n`),
    // Without the terminal's line endings and cursor moves, so that a line is found whole.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape starts each move
    screen: () => client.stdout().replace(/\r|\x1b\[[0-9;]*[A-Za-z]/g, ""),
  };
}

const clients: Client[] = [];

forEachEngine("chat-client: interactive mode", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceDir: string;
  let bobDir: string;
  let carolDir: string;
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

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
    for (const client of clients.splice(0)) stop(client);
    await server.stop();
    removeConfigDirs();
  });

  it("lists, opens, sends and receives, announces other conversations, and quits", async () => {
    const direct = await createDirect(server.url, alice, bob);
    const group = await createGroup(server.url, bob, [alice], "Walkers");
    await sendMessage(server.url, bob, direct.id, "lunch at noon?");

    const alices = session(aliceDir);
    const listed = new RegExp(
      `\\s1 +[0-9a-f]{8} +direct +@${bob.username} .*\\n.*\\s2 +[0-9a-f]{8} +group +Walkers`,
    );
    await waitFor("the list", alices.screen, (s) => listed.test(s));

    alices.type(`/open @${bob.username}`);
    await waitFor("the history", alices.screen, (s) =>
      /── @\S+ · direct · 2 members ──\n.*\d\d:\d\d \S+ lunch at noon\?/.test(s),
    );
    alices.type("yes, see you there");
    await waitFor("the sent line", alices.screen, (s) =>
      /\d\d:\d\d \S+ yes, see you there/.test(s),
    );
    const history = await api(bob).history(direct.id, { limit: 10 });
    assert.deepEqual(
      history.map((m) => m.body),
      ["lunch at noon?", "yes, see you there"],
    );

    await sendMessage(server.url, bob, direct.id, "great, the usual place");
    await waitFor("a live message", alices.screen, (s) => s.includes("great, the usual place"));
    await sendMessage(server.url, bob, group.id, "walk on Sunday");
    await waitFor("a notice", alices.screen, (s) =>
      /\[Walkers\] \d\d:\d\d \S+ walk on Sunday/.test(s),
    );

    alices.type("/nonsense");
    await waitFor("an unknown command", alices.screen, (s) =>
      s.includes("unknown command /nonsense; /help lists them"),
    );
    alices.type("/quit");
    const { code } = await alices.done;
    assert.equal(code, 0);
  });

  it("reads and writes encrypted conversations, and announces their messages opened", async () => {
    for (const dir of [aliceDir, bobDir]) {
      const added = await run(["devices", "add"], dir);
      assert.equal(added.code, 0, added.stderr);
    }
    // A plain chat beside the encrypted one: "@alice" names the plain one then.
    const dm = await run(["dm", bob.username, "--encrypted", "--json"], aliceDir);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout);
    const sent = await run(["send", conversation.id, "the eagle lands at noon"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);

    const bobs = session(bobDir);
    await waitFor("the list", bobs.screen, (s) => s.includes("[encrypted]"));
    assert.match(
      bobs.screen(),
      /\[encrypted\]\s+\S+: 🔒 Encrypted message: this client cannot open it/,
    );
    bobs.type(`/open @${alice.username} --encrypted`);
    await waitFor("the history", bobs.screen, (s) => s.includes("the eagle lands at noon"));
    assert.match(bobs.screen(), /· direct, end-to-end encrypted · 2 members ──/);
    for (const line of ["copy that", "over and out"]) bobs.type(line);
    await waitFor("the sent lines", bobs.screen, (s) => /copy that[\s\S]*over and out/.test(s));

    const aliceReads = start(["tail", conversation.id, "--history", "5"], aliceDir);
    clients.push(aliceReads);
    await waitFor("Bob's lines", aliceReads.stdout, (s) => /copy that[\s\S]*over and out/.test(s));
    stop(aliceReads);
    for (const message of await api(alice).history(conversation.id, { limit: 100 })) {
      assert.ok(message.mls, "every message is an MLS message");
      for (const plain of ["eagle", "copy that", "over and out"])
        assert.ok(!message.body.includes(plain));
    }

    // Closed, the conversation's next message is announced opened; a key change is not.
    bobs.type("/close");
    const again = await run(["send", conversation.id, "one more thing"], aliceDir);
    assert.equal(again.code, 0, again.stderr);
    await waitFor("a notice", bobs.screen, (s) => /\[@\S+\] \d\d:\d\d \S+ one more thing/.test(s));
    assert.doesNotMatch(bobs.screen(), /encryption keys changed/);
    bobs.type("/quit");
    assert.equal((await bobs.done).code, 0);
  });

  it("registers a device on opening, and reads once a member's device adds it", async () => {
    const made = await run(
      ["group", "create", "Sealed", bob.username, "--encrypted", "--json"],
      aliceDir,
    );
    assert.equal(made.code, 0, made.stderr);
    const group = JSON.parse(made.stdout);
    // Carol joins after the set-up, with no device yet for anyone to add.
    await addMembers(server.url, alice, group.id, [carol]);

    const carols = session(carolDir);
    await waitFor("the list", carols.screen, (s) => s.includes("Sealed"));
    carols.type("/open Sealed");
    await waitFor("the header", carols.screen, (s) => s.includes("── Sealed · group, end-to-end"));
    assert.match(carols.screen(), /added this installation as your device/);
    carols.type("hello?");
    await waitFor("the refusal", carols.screen, (s) => s.includes("not sent: not_added:"));

    // Alice's next send commits Carol's new device in; Carol's open conversation reads it.
    const sent = await run(["send", "Sealed", "welcome aboard"], aliceDir);
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor("the message", carols.screen, (s) => /\d\d:\d\d \S+ welcome aboard/.test(s));
    carols.type("thank you");
    await waitFor("the sent line", carols.screen, (s) => /\d\d:\d\d \S+ thank you/.test(s));
    carols.type("/quit");
    assert.equal((await carols.done).code, 0);
  });
});
