/**
 * Forks and order in encrypted conversations, end to end on both engines (docs/E2EE.md,
 * "Ordering and forks"). Through a proxy that misleads one device about the server's
 * sequence (test/helpers/fault-proxy.ts), the SDK's EncryptedChat and chat-client catch a
 * commit dropped (the later messages moved up, so no gap shows), two commits swapped, a
 * commit replayed and a message withheld: each step refuses with a reason and sends
 * nothing, a page spoiled once is asked for again and read, and once the proxy is honest
 * the device reads on and writes, in the same epoch as every other device. (Two members
 * committing at once, and a device away through 50 commits, need no proxy: they are in
 * encrypted-chat-sdk.test.ts.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, it } from "node:test";
import { ApiClient, EncryptedChatError, type MessageView } from "@private-chat/sdk";
import {
  type ConversationState,
  EncryptedChat,
  loadDevice,
  loadGroup,
  type ReadMessage,
  type RegisteredDevice,
  toBase64Url,
} from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import {
  type Client,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy.js";
import { memoryStates, setUpDevice } from "./device-fixture.js";

const texts = (read: ReadMessage[]) =>
  read.map(({ kept }) => (kept && "text" in kept ? kept.text : kept ? "refused" : "none"));

/** For assert.rejects: the step stopped with `refused`, saying `why`. */
const refused = (why: RegExp) => (err: unknown) => {
  if (!(err instanceof EncryptedChatError)) throw err;
  assert.equal(err.code, "refused", err.message);
  assert.match(err.message, why);
  assert.match(err.message, /sends nothing into the conversation/);
  return true;
};

/** The epoch authenticator of a device's group as a state holds it (RFC 9420, §8.7). */
const authenticator = (device: RegisteredDevice, state: ConversationState | undefined) => {
  assert.ok(state, "the device keeps a state of the conversation");
  return toBase64Url(loadGroup(device.keys, state).epochAuthenticator);
};

forEachEngine("handshake faults in encrypted conversations", (engine) => {
  const { started, users } = apiSuite(engine);
  let proxy: FaultProxy;
  const tails: Client[] = [];

  before(async () => {
    proxy = await startFaultProxy(started().server.url);
  });
  afterEach(() => proxy.honest());
  after(async () => {
    for (const tail of tails) stop(tail);
    await proxy.close();
    removeConfigDirs();
  });

  /**
   * A person's device, talking to the server directly or through `via` (the proxy), with
   * the conversations' states in memory; `server` reads what the server really holds.
   */
  async function member(user: TestUser, via?: string) {
    const url = started().server.url;
    const api = new ApiClient({ baseUrl: via ?? url, token: user.token });
    const server = new ApiClient({ baseUrl: url, token: user.token });
    const device = await setUpDevice(api, user.id, "laptop");
    const states = memoryStates();
    const chatOf = async (conversationId: string) =>
      new EncryptedChat(api, device, await api.conversation(conversationId), states);
    const epoch = (conversationId: string) =>
      authenticator(device, states.saved.get(conversationId));
    return { user, api, server, device, states, chatOf, epoch };
  }
  type Member = Awaited<ReturnType<typeof member>>;

  /** The conversation's messages as `who` is shown them (through the proxy, if theirs). */
  async function history(who: Pick<Member, "api">, id: string): Promise<MessageView[]> {
    const all: MessageView[] = [];
    for (;;) {
      const page = await who.api.history(id, { after: all.at(-1)?.seq ?? 0, limit: 100 });
      all.push(...page);
      if (page.length < 100) return all;
    }
  }

  /**
   * Alice and Carol, and Bob whose device reads through the proxy, in a group Alice sets
   * up; Bob and Carol read her first message.
   */
  async function groupWithBobMisled() {
    const [a, b, c] = await users(3);
    const [alice, bob, carol] = [await member(a!), await member(b!, proxy.url), await member(c!)];
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "Faults",
      member_ids: [b!.id, c!.id],
      encrypted: true,
    });
    const id = conversation.id;
    const [aliceChat, bobChat, carolChat] = [
      await alice.chatOf(id),
      await bob.chatOf(id),
      await carol.chatOf(id),
    ];
    await aliceChat.send("hello", "a-1");
    for (const [who, chat] of [
      [bob, bobChat],
      [carol, carolChat],
    ] as const)
      assert.deepEqual(texts(await chat.read(await history(who, id))), ["hello"]);
    /** A newcomer with a device, whom Alice's device commits into the group: the commit's seq. */
    const addSomeone = async () => {
      const [u] = await users(1);
      const newcomer = await member(u!);
      await alice.api.addMembers(id, [u!.id]);
      await aliceChat.followMembership();
      const [last] = await alice.server.history(id, { limit: 1 });
      assert.equal(last?.mls?.kind, "commit");
      return { seq: last.seq, newcomer };
    };
    /** Every device named reads the conversation to its end, and all are in one epoch. */
    const agree = async (...others: Member[]) => {
      const everyone = [alice, bob, carol, ...others];
      for (const who of everyone)
        await (await who.chatOf(id)).read(await who.server.history(id, { limit: 1 }));
      const epochs = new Set(everyone.map((who) => who.epoch(id)));
      assert.equal(epochs.size, 1, "every device has the same epoch authenticator");
    };
    /** What Bob's device sent, as the server holds it. */
    const sentByBob = async () =>
      (await history(alice, id)).filter((m) => m.sender_id === bob.user.id).length;
    return { alice, bob, carol, id, aliceChat, bobChat, addSomeone, agree, sentByBob };
  }

  it("a dropped commit: the device refuses to read or send, and reads on once the server is honest", async () => {
    const g = await groupWithBobMisled();
    const dave = await g.addSomeone();
    const after = await g.aliceChat.send("with dave", "a-2");
    proxy.spoil(g.id, { drop: dave.seq });
    // The proxy moved every later message up a seq: no gap shows.
    const shown = await history(g.bob, g.id);
    assert.deepEqual(
      shown.map((m) => m.seq),
      shown.map((_m, i) => i + 1),
    );
    assert.equal(shown.at(-1)?.id, after.id);
    await assert.rejects(
      g.bobChat.read(shown),
      refused(/later epoch .* the server withheld or reordered a change/),
    );
    await assert.rejects(
      g.bobChat.send("into a state in doubt", "b-1"),
      refused(/withheld or reordered/),
    );
    assert.equal(await g.sentByBob(), 0, "nothing was sent");

    proxy.honest();
    assert.deepEqual(texts(await g.bobChat.read(await history(g.bob, g.id))), [
      "hello",
      "with dave",
    ]);
    await g.bobChat.send("back in step", "b-2");
    const daveChat = await dave.newcomer.chatOf(g.id);
    assert.deepEqual(texts(await daveChat.read(await history(dave.newcomer, g.id))), [
      "with dave",
      "back in step",
    ]);
    await g.agree(dave.newcomer);

    // Dropped once only, the page is asked for again from the last message applied and read.
    const erin = await g.addSomeone();
    await g.aliceChat.send("with erin", "a-3");
    const list = await g.bob.server.history(g.id, { after: 0, limit: 100 });
    const spoiled = proxy.spoiled();
    proxy.spoil(g.id, { drop: erin.seq }, { times: 1 });
    assert.deepEqual(texts(await g.bobChat.read(list)).slice(-1), ["with erin"]);
    assert.equal(proxy.spoiled(), spoiled + 1, "the first answer was spoiled");
    await g.agree(dave.newcomer, erin.newcomer);
  });

  it("two commits swapped: the device refuses, then reads them in the server's order", async () => {
    const g = await groupWithBobMisled();
    const dave = await g.addSomeone();
    const erin = await g.addSomeone();
    await g.aliceChat.send("with dave and erin", "a-2");
    proxy.spoil(g.id, { swap: [dave.seq, erin.seq] });
    await assert.rejects(
      g.bobChat.read(await history(g.bob, g.id)),
      refused(new RegExp(`message ${dave.seq} is from a later epoch`)),
    );
    await assert.rejects(g.bobChat.send("in doubt", "b-1"), refused(/withheld or reordered/));
    assert.equal(await g.sentByBob(), 0);

    proxy.honest();
    assert.deepEqual(texts(await g.bobChat.read(await history(g.bob, g.id))), [
      "hello",
      "with dave and erin",
    ]);
    await g.agree(dave.newcomer, erin.newcomer);
  });

  it("a commit replayed: the device refuses it and what follows, and reads on once honest", async () => {
    const g = await groupWithBobMisled();
    const dave = await g.addSomeone();
    await g.bobChat.read(await history(g.bob, g.id));
    const next = await g.aliceChat.send("after dave", "a-2");
    // Dave's commit again, where Alice's message is.
    proxy.spoil(g.id, { replay: dave.seq, at: next.seq });
    const shown = await history(g.bob, g.id);
    assert.equal(shown.at(-1)?.mls?.kind, "commit");
    await assert.rejects(
      g.bobChat.read(shown),
      refused(new RegExp(`message ${next.seq} is a change .* the server replayed an old change`)),
    );
    await assert.rejects(g.bobChat.send("in doubt", "b-1"), refused(/replayed/));
    assert.equal(await g.sentByBob(), 0);

    proxy.honest();
    assert.deepEqual(texts(await g.bobChat.read(await history(g.bob, g.id))), [
      "hello",
      "after dave",
    ]);
    await g.bobChat.send("bob again", "b-2");
    await g.agree(dave.newcomer);
  });

  it("a message withheld: the gap in the seqs is refused, and read once the server sends it", async () => {
    const g = await groupWithBobMisled();
    const first = await g.aliceChat.send("one", "a-2");
    await g.aliceChat.send("two", "a-3");
    proxy.spoil(g.id, { withhold: [first.seq] });
    await assert.rejects(
      g.bobChat.read(await history(g.bob, g.id)),
      refused(
        new RegExp(
          `goes from message ${first.seq - 1} to message ${first.seq + 1}: it withheld message ${first.seq}`,
        ),
      ),
    );
    await assert.rejects(g.bobChat.send("in doubt", "b-1"), refused(/withheld/));
    assert.equal(await g.sentByBob(), 0);
    // The newest message withheld, where Bob's device was shown it (a live event, say):
    // the history stops short of it.
    const all = await g.bob.server.history(g.id, { after: 0, limit: 100 });
    proxy.spoil(g.id, { withhold: [all.at(-1)?.seq ?? 0] });
    await assert.rejects(
      g.bobChat.read(all),
      refused(/showed message \d+, but its history stops at message \d+/),
    );

    proxy.honest();
    assert.deepEqual(texts(await g.bobChat.read(await history(g.bob, g.id))), [
      "hello",
      "one",
      "two",
    ]);
    await g.agree();
  });

  it("chat-client through the same faults: tail and send stop with the reason, and go on once honest", async () => {
    const [a, b, c] = await users(3);
    const [alice, carol] = [await member(a!), await member(c!)];
    const bobDir = loggedIn(proxy.url, b!);
    const added = await run(["devices", "add"], bobDir);
    assert.equal(added.code, 0, added.stderr);
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "Through the proxy",
      member_ids: [b!.id],
      encrypted: true,
    });
    const id = conversation.id;
    const aliceChat = await alice.chatOf(id);
    const first = await aliceChat.send("first", "a-1");
    const [setup] = await alice.server.history(id, { after: 0, limit: 1 });
    assert.equal(setup?.mls?.kind, "commit");

    const tail = start(["tail", id, "--history", "5"], bobDir);
    tails.push(tail);
    await waitFor("the first message", tail.stdout, (s) => s.includes("first"));
    // The set-up commit again, live, where Alice's next message is: tail stops there.
    proxy.spoil(id, { replay: setup.seq, at: first.seq + 1 });
    await aliceChat.send("second", "a-2");
    const stopped = await tail.done;
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(
      stopped.stderr,
      new RegExp(`^chat-client: refused: message ${first.seq + 1} is a change .* replayed`, "m"),
    );
    assert.doesNotMatch(stopped.stdout, /second/);

    // The commit adding Carol dropped: send refuses, and nothing leaves.
    await alice.api.addMembers(id, [c!.id]);
    await aliceChat.followMembership();
    const [commit] = await alice.server.history(id, { limit: 1 });
    assert.equal(commit?.mls?.kind, "commit");
    await aliceChat.send("third", "a-3");
    proxy.spoil(id, { drop: commit.seq });
    const refusedSend = await run(["send", id, "into doubt"], bobDir);
    assert.equal(refusedSend.code, 1, refusedSend.stderr);
    assert.match(
      refusedSend.stderr,
      /^chat-client: refused: message \d+ is from a later epoch .* withheld or reordered/m,
    );
    const bobsOwn = async () =>
      (await alice.server.history(id, { after: 0, limit: 100 })).filter(
        (m) => m.sender_id === b!.id,
      );
    assert.deepEqual(await bobsOwn(), []);

    proxy.honest();
    const sent = await run(["send", id, "bob is back"], bobDir);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((await bobsOwn()).length, 1);
    const again = start(["tail", id, "--history", "10"], bobDir);
    tails.push(again);
    await waitFor("every message", again.stdout, (s) =>
      ["first", "second", "third", "bob is back"].every((t) => s.includes(t)),
    );
    stop(again);
    assert.equal(texts(await aliceChat.read(await history(alice, id))).at(-1), "bob is back");
    // Bob's device is in the epoch of Alice's and Carol's.
    const bobDevice = loadDevice(
      JSON.parse(readFileSync(join(bobDir, `device-${b!.id}.json`), "utf8")),
    );
    const bobState = JSON.parse(readFileSync(join(bobDir, `e2ee-${b!.id}`, `${id}.json`), "utf8"));
    assert.equal(authenticator(bobDevice, { ...bobState, messages: {} }), alice.epoch(id));
    const carolChat = await carol.chatOf(id);
    assert.deepEqual(texts(await carolChat.read(await history(carol, id))), [
      "third",
      "bob is back",
    ]);
    assert.equal(carol.epoch(id), alice.epoch(id));
  });
});
