/**
 * The event log read back whole, on both engines: an event stored as a reference to its
 * message (as the next version stores them) is replayed with the message as it is now,
 * by sync and by the range other nodes catch up from; a reference to a message that is
 * gone is left out while the sync cursor still moves past it; whole events pass as stored.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { hydrate } from "../../src/events/hydrate.js";
import { messageReference } from "../../src/storage/events.js";
import { SyncService } from "../../src/sync/service.js";
import { makeConversation, makeUsers, postMessages } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

describeEachEngine("event log references", (get) => {
  it("replays a reference with its message, skips one whose message is gone", async () => {
    const { store } = get();
    const [alice, bob] = (await makeUsers(store, 2)) as [string, string];
    const conversation = await makeConversation(store, [alice, bob]);
    const [message] = await postMessages(store, conversation.id, [alice]);
    assert.ok(message);
    await store.messages.edit(message.id, "as it is now", Date.now());
    const whole = JSON.stringify({
      type: "read",
      conversation_id: conversation.id,
      user_id: bob,
      seq: 1,
    });
    const append = (type: string, payload: string, messageId: string | null) =>
      store.events.append({
        conversationId: conversation.id,
        userId: null,
        type,
        payload,
        now: Date.now(),
        messageId,
      });
    const first = await append(
      "message.new",
      messageReference("message.new", conversation.id, message.id),
      message.id,
    );
    const missing = randomUUID();
    await append(
      "message.updated",
      messageReference("message.updated", conversation.id, missing),
      missing,
    );
    const last = await append("read", whole, null);

    const replayed = await hydrate(store, await store.events.range(first, last));
    assert.deepEqual(
      replayed.map((e) => e.id),
      [first, last],
    );
    const event = JSON.parse(replayed[0]?.payload ?? "{}");
    assert.equal(event.type, "message.new");
    assert.equal(event.conversation_id, conversation.id);
    assert.equal(event.message.id, message.id);
    assert.equal(event.message.body, "as it is now");
    assert.equal(replayed[1]?.payload, whole);

    const page = await new SyncService(store).since(bob, first - 1, 2);
    assert.deepEqual(
      page.events.map((e) => e.id),
      [first],
    );
    assert.equal(page.cursor, first + 1, "past the reference that was left out");
    assert.equal(page.hasMore, true);
  });
});
