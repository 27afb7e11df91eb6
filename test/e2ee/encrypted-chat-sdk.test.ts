/**
 * The SDK's EncryptedChat, as an app uses it over its own store of states (here in
 * memory, as a browser's IndexedDB or the terminal client's files keep them), against a
 * real server on both engines: setting a group up, reading both ways, following the
 * membership (a newcomer reads only what follows), forgetting a deleted message, and
 * saying why a step cannot go on; edits, reactions and replies as encrypted content that
 * both sides fold alike, beside raw text from before the envelope and an unknown kind;
 * a file sealed on the device, whose ciphertext alone the server holds. Forks and order
 * without a server that misbehaves (docs/E2EE.md): two members' devices commit at once,
 * and one that was away through 50 commits catches up (a lying server's faults are
 * handshake-faults.test.ts's).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { decodeContent } from "@private-chat/protocol/encrypted-content";
import { ApiClient, ApiError, EncryptedChatError, type MessageView } from "@private-chat/sdk";
import {
  downloadSealedFile,
  EncryptedChat,
  type EncryptedChatHooks,
  FileRefused,
  foldMessages,
  keptOf,
  loadGroup,
  openFile,
  type ReadMessage,
  registerDevice,
  toBase64Url,
  uploadSealedFile,
  withGroup,
} from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { memoryStates, setUpDevice } from "./device-fixture.js";

const encoder = new TextEncoder();
/** The content envelope around a kind this version does not know. */
const envelope = (value: unknown) => new Uint8Array([0, ...encoder.encode(JSON.stringify(value))]);

const texts = (read: ReadMessage[]) =>
  read.map(({ kept }) => (kept && "text" in kept ? kept.text : kept ? "refused" : "none"));

/**
 * `n` parties meet: each one's hook, the first time it is called, waits until all `n`
 * have called theirs.
 */
function meeting(n: number): () => () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    let met = false;
    return async () => {
      if (met) return;
      met = true;
      arrived++;
      if (arrived === n) open();
      await all;
    };
  };
}

forEachEngine("the SDK's encrypted chat", (run) => {
  const { started, users } = apiSuite(run);
  const apiOf = (user: TestUser) =>
    new ApiClient({ baseUrl: started().server.url, token: user.token });

  /** A person's device and the chat of `conversationId` on it. */
  async function member(user: TestUser, name = "laptop") {
    const api = apiOf(user);
    const device = await setUpDevice(api, user.id, name);
    const states = memoryStates();
    const chatOf = async (conversationId: string, hooks?: EncryptedChatHooks) =>
      new EncryptedChat(api, device, await api.conversation(conversationId), states, hooks);
    return { user, api, device, states, chatOf };
  }
  type Member = Awaited<ReturnType<typeof member>>;

  /** Two people with a device each, and the first one's chat of their new encrypted direct chat. */
  async function directChat() {
    const [a, b] = await users(2);
    const [alice, bob] = [await member(a!), await member(b!)];
    const conversation = await alice.api.createConversation({
      type: "direct",
      member_ids: [b!.id],
      encrypted: true,
    });
    return { alice, bob, conversation, aliceChat: await alice.chatOf(conversation.id) };
  }

  /** The whole history, a page at a time. */
  async function history(api: ApiClient, id: string): Promise<MessageView[]> {
    const all: MessageView[] = [];
    for (;;) {
      const page = await api.history(id, { after: all.at(-1)?.seq ?? 0, limit: 100 });
      all.push(...page);
      if (page.length < 100) return all;
    }
  }

  /** The epoch authenticator of a member's group (RFC 9420, §8.7): equal in one epoch. */
  const epochOf = (who: Member, id: string) => {
    const state = who.states.saved.get(id);
    assert.ok(state);
    return toBase64Url(loadGroup(who.device.keys, state).epochAuthenticator);
  };

  /** Sends a plaintext as it is, as a device from before the content envelope did. */
  async function sendRaw(from: Member, conversationId: string, plaintext: Uint8Array) {
    return from.states.withState(conversationId, async (saved, save) => {
      const state = saved!;
      const group = loadGroup(from.device.keys, state);
      const body = toBase64Url(await group.encrypt(plaintext));
      await save(withGroup(state, group));
      const message = await from.api.sendMessage(conversationId, { body, mls: {} });
      const kept = keptOf(decodeContent(plaintext), from.device.keys);
      const messages = { ...state.messages, [message.seq]: kept };
      return { state: withGroup({ ...state, messages }, group), result: message };
    });
  }

  it("sets a group up, each side reads the other's messages, and folds edits, reactions and replies", async () => {
    const [a, b] = await users(2);
    const [alice, bob] = [await member(a!), await member(b!)];
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "Plans",
      member_ids: [b!.id],
      encrypted: true,
    });
    const aliceChat = await alice.chatOf(conversation.id);
    assert.equal(await aliceChat.setUp(), true);
    const sent = await aliceChat.send("hello from alice", "c-1");
    assert.notEqual(sent.body, "hello from alice", "the server holds ciphertext");

    const bobChat = await bob.chatOf(conversation.id);
    const read = await bobChat.read(await history(bob.api, conversation.id));
    assert.deepEqual(texts(read), ["hello from alice"]);
    await bobChat.send("hello from bob", "c-2");
    assert.deepEqual(texts(await aliceChat.read(await history(alice.api, conversation.id))), [
      "hello from alice",
      "hello from bob",
    ]);
    // Read again, nothing changes: the sender keeps its own text, the reader its plaintext.
    assert.deepEqual(texts(await bobChat.read(await history(bob.api, conversation.id))), [
      "hello from alice",
      "hello from bob",
    ]);

    // Edits, reactions and replies are encrypted messages pointing inside the group, which
    // each device folds; a device from before the envelope sent raw text, which still opens.
    const legacy = await sendRaw(alice, conversation.id, encoder.encode("legacy hello"));
    await sendRaw(alice, conversation.id, envelope({ kind: "poll", question: "lunch?" }));
    const reply = { kind: "text", body: "answer", reply_to: legacy.seq } as const;
    await bobChat.sendContent(reply, "c-3");
    await aliceChat.sendContent({ kind: "edit", target: legacy.seq, body: "hello, edited" }, "c-4");
    // Bob cannot change Alice's words: his edit of her message counts for nothing.
    await bobChat.sendContent({ kind: "edit", target: sent.seq, body: "bob was here" }, "c-5");
    const thumbs = { kind: "reaction", target: legacy.seq, emoji: "👍" } as const;
    await bobChat.sendContent({ ...thumbs, action: "added" }, "c-6");
    await aliceChat.sendContent({ ...thumbs, emoji: "🎉", action: "added" }, "c-7");
    await aliceChat.sendContent({ ...thumbs, emoji: "🎉", action: "removed" }, "c-8");
    await assert.rejects(
      bobChat.sendContent({ kind: "text", body: "  " }, "c-9"),
      (err: unknown) => err instanceof EncryptedChatError && err.code === "body_empty",
    );
    for (const [who, chat] of [
      [bob, bobChat],
      [alice, aliceChat],
    ] as const) {
      const shown = foldMessages(await chat.read(await history(who.api, conversation.id)));
      assert.deepEqual(
        shown.map((s) => s.shown),
        [
          { kind: "text", body: "hello from alice", reactions: [] },
          { kind: "text", body: "hello from bob", reactions: [] },
          {
            kind: "text",
            body: "hello, edited",
            edited_at: shown[2]?.shown.kind === "text" ? shown[2].shown.edited_at : -1,
            reactions: [{ emoji: "👍", count: 1, user_ids: [b!.id] }],
          },
          { kind: "unknown", type: "poll" },
          { kind: "text", body: "answer", reply_to: legacy.seq, reactions: [] },
        ],
      );
    }
  });

  it("follows the membership: a newcomer reads what follows, not what came before", async () => {
    const [a, b, c] = await users(3);
    const [alice, bob, carol] = [await member(a!), await member(b!), await member(c!)];
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "Team",
      member_ids: [b!.id],
      encrypted: true,
    });
    const aliceChat = await alice.chatOf(conversation.id);
    await aliceChat.send("before carol", "m-1");
    await alice.api.addMembers(conversation.id, [c!.id]);
    await aliceChat.followMembership();
    await aliceChat.send("with carol", "m-2");

    const carolChat = await carol.chatOf(conversation.id);
    const read = await carolChat.read(await history(carol.api, conversation.id));
    // The server shows her the history from her joining on, and her device opens all of it.
    assert.deepEqual(texts(read), ["with carol"]);
    const bobChat = await bob.chatOf(conversation.id);
    assert.deepEqual(texts(await bobChat.read(await history(bob.api, conversation.id))), [
      "before carol",
      "with carol",
    ]);
  });

  it("forgets a deleted message's text on the device", async () => {
    const { alice, bob, conversation, aliceChat } = await directChat();
    const secret = await aliceChat.send("delete me", "d-1");
    const bobChat = await bob.chatOf(conversation.id);
    assert.deepEqual(texts(await bobChat.read(await history(bob.api, conversation.id))), [
      "delete me",
    ]);
    await alice.api.deleteMessage(secret.id);
    const read = await bobChat.read(await history(bob.api, conversation.id));
    assert.deepEqual(
      read.map(({ message }) => message.deleted),
      [true],
    );
    assert.equal(JSON.stringify([...bob.states.saved.values()]).includes("delete me"), false);
  });

  it("says why it cannot go on: nobody else has a device yet, or this one was never added", async () => {
    const [a, b] = await users(2);
    const alice = await member(a!);
    const conversation = await alice.api.createConversation({
      type: "direct",
      member_ids: [b!.id],
      encrypted: true,
    });
    const aliceChat = await alice.chatOf(conversation.id);
    assert.equal(await aliceChat.setUp(), false);
    await assert.rejects(
      aliceChat.send("too early", "e-1"),
      (err: unknown) => err instanceof EncryptedChatError && err.code === "no_device",
    );
    const bob = await member(b!);
    await aliceChat.send("now", "e-2");
    // A second device of Bob's, made after the last commit, is not in the group yet.
    const phone = await member(b!, "phone");
    await assert.rejects(
      (await phone.chatOf(conversation.id)).read(await history(phone.api, conversation.id)),
      (err: unknown) => err instanceof EncryptedChatError && err.code === "not_added",
    );
    assert.deepEqual(
      texts(
        await (await bob.chatOf(conversation.id)).read(await history(bob.api, conversation.id)),
      ),
      ["now"],
    );
  });

  it("sends a file sealed on the device: the server holds ciphertext, the other device opens it", async () => {
    const { alice, bob, conversation, aliceChat } = await directChat();
    const plaintext = encoder.encode(`the vault code is ${crypto.randomUUID()}`);
    const file = await uploadSealedFile(alice.api, conversation.id, {
      name: "vault.txt",
      type: "text/plain",
      bytes: plaintext,
    });
    const sent = await aliceChat.sendContent({ kind: "text", body: "", files: [file] }, "f-1");
    // The server knows an upload of that many bytes under a neutral name, and nothing more.
    assert.deepEqual(sent.attachments, [
      {
        id: file.attachment_id,
        name: "encrypted",
        size: plaintext.length + 16,
        content_type: "application/octet-stream",
      },
    ]);
    const stored = await (await bob.api.downloadAttachment(file.attachment_id)).arrayBuffer();
    assert.equal(Buffer.from(stored).includes(Buffer.from(plaintext)), false);

    const bobChat = await bob.chatOf(conversation.id);
    const [shown] = foldMessages(await bobChat.read(await history(bob.api, conversation.id)));
    const [got] = shown?.shown.kind === "text" ? (shown.shown.files ?? []) : [];
    assert.deepEqual(got, file);
    assert.deepEqual(await downloadSealedFile(bob.api, got!), plaintext);

    // A byte changed on the server, or another key, opens nothing.
    const tampered = new Uint8Array(stored).slice();
    tampered[5] = (tampered[5] as number) ^ 1;
    await assert.rejects(openFile(tampered, file), FileRefused);
    const otherKey = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    await assert.rejects(openFile(new Uint8Array(stored), { ...file, key: otherKey }), FileRefused);
    await assert.rejects(
      openFile(new Uint8Array(stored), { ...file, sha256: "0".repeat(64) }),
      FileRefused,
    );
  });

  it("two members commit at once: one commit wins, the other device applies it and sends, nothing lost", async () => {
    const [a, b, c] = await users(3);
    const [alice, bob, carol] = [await member(a!), await member(b!), await member(c!)];
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "At once",
      member_ids: [b!.id],
      encrypted: true,
    });
    const id = conversation.id;
    await (await alice.chatOf(id)).send("before carol", "a-1");
    await (await bob.chatOf(id)).read(await history(bob.api, id));
    await alice.api.addMembers(id, [c!.id]);
    // Both devices find Carol's device missing, then both commit its addition at once.
    const meet = meeting(2);
    const aliceChat = await alice.chatOf(id, { onDevices: meet() });
    const bobChat = await bob.chatOf(id, { onDevices: meet() });
    const conflicts: string[] = [];
    for (const api of [alice.api, bob.api]) {
      const send = api.sendMessage.bind(api);
      api.sendMessage = async (conversationId, body) => {
        try {
          return await send(conversationId, body);
        } catch (err) {
          if (err instanceof ApiError) conflicts.push(err.code);
          throw err;
        }
      };
    }
    await Promise.all([
      aliceChat.send("alice, at once", "a-2"),
      bobChat.send("bob, at once", "b-1"),
    ]);
    assert.deepEqual(conflicts, ["epoch_conflict"]);
    const commits = (await history(alice.api, id)).filter((m) => m.mls?.kind === "commit");
    assert.deepEqual(
      commits.map((m) => m.mls?.epoch),
      [0, 1],
      "the set-up, and one commit adding Carol's device",
    );

    const carolChat = await carol.chatOf(id);
    assert.deepEqual(texts(await carolChat.read(await history(carol.api, id))).sort(), [
      "alice, at once",
      "bob, at once",
    ]);
    const aliceRead = texts(await aliceChat.read(await history(alice.api, id)));
    assert.deepEqual(aliceRead.slice(1).sort(), ["alice, at once", "bob, at once"]);
    assert.deepEqual(texts(await bobChat.read(await history(bob.api, id))), aliceRead);
    assert.equal(new Set([alice, bob, carol].map((who) => epochOf(who, id))).size, 1);
  });

  it("a device away through 50 commits catches up, reads what was said meanwhile, and writes", async () => {
    const [a, b, ...comers] = await users(5);
    const [alice, bob] = [await member(a!), await member(b!)];
    // Three people come and go in turn, each added up to 9 times: a key package each time,
    // and no more claims of one person's than the server allows one claimer (10).
    for (const comer of comers) {
      const api = new ApiClient({ baseUrl: started().server.url, token: comer.token });
      await registerDevice(api.devices, comer.id, "laptop", 9);
    }
    const conversation = await alice.api.createConversation({
      type: "group",
      title: "Busy",
      member_ids: [b!.id],
      encrypted: true,
    });
    const id = conversation.id;
    const aliceChat = await alice.chatOf(id);
    await aliceChat.send("before", "a-0");
    const bobChat = await bob.chatOf(id);
    assert.deepEqual(texts(await bobChat.read(await history(bob.api, id))), ["before"]);

    // Each send commits someone's coming or going first, then says so: 50 commits, 50 messages.
    const said: string[] = [];
    for (let i = 1; i <= 25; i++) {
      const comer = comers[i % comers.length] as TestUser;
      await alice.api.addMembers(id, [comer.id]);
      said.push(`${comer.username} in, ${i}`);
      await aliceChat.send(said.at(-1) as string, `in-${i}`);
      await alice.api.removeMember(id, comer.id);
      said.push(`${comer.username} out, ${i}`);
      await aliceChat.send(said.at(-1) as string, `out-${i}`);
    }
    const state = alice.states.saved.get(id);
    assert.ok(state);
    assert.equal(loadGroup(alice.device.keys, state).epoch, 51n);

    // More than a page of history: Bob's device reads it in two.
    const everything = await history(bob.api, id);
    assert.ok(everything.length > 100);
    assert.deepEqual(texts(await bobChat.read(everything)), ["before", ...said]);
    await bobChat.send("caught up", "b-1");
    assert.equal(texts(await aliceChat.read(await history(alice.api, id))).at(-1), "caught up");
    assert.equal(epochOf(alice, id), epochOf(bob, id));
  });
});
