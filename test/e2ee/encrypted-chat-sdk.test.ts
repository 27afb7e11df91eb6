/**
 * The SDK's EncryptedChat, as an app uses it over its own store of states (here in
 * memory, as a browser's IndexedDB or the terminal client's files keep them), against a
 * real server on both engines: setting a group up, reading both ways, following the
 * membership (a newcomer reads only what follows), forgetting a deleted message, and
 * saying why a step cannot go on.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, EncryptedChatError, type MessageView } from "@private-chat/sdk";
import { EncryptedChat, type ReadMessage } from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { memoryStates, setUpDevice } from "./device-fixture.js";

const texts = (read: ReadMessage[]) =>
  read.map(({ kept }) => (kept && "text" in kept ? kept.text : kept ? "refused" : "none"));

forEachEngine("the SDK's encrypted chat", (run) => {
  const { started, users } = apiSuite(run);
  const apiOf = (user: TestUser) =>
    new ApiClient({ baseUrl: started().server.url, token: user.token });

  /** A person's device and the chat of `conversationId` on it. */
  async function member(user: TestUser, name = "laptop") {
    const api = apiOf(user);
    const device = await setUpDevice(api, user.id, name);
    const states = memoryStates();
    const chatOf = async (conversationId: string) =>
      new EncryptedChat(api, device, await api.conversation(conversationId), states);
    return { user, api, device, states, chatOf };
  }

  const history = (api: ApiClient, id: string): Promise<MessageView[]> =>
    api.history(id, { after: 0, limit: 100 });

  it("sets a group up, and each side reads the other's messages as text", async () => {
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
    const [a, b] = await users(2);
    const [alice, bob] = [await member(a!), await member(b!)];
    const conversation = await alice.api.createConversation({
      type: "direct",
      member_ids: [b!.id],
      encrypted: true,
    });
    const aliceChat = await alice.chatOf(conversation.id);
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
});
