/**
 * The event log read back whole, on both engines: an event stored as a reference to its
 * message is replayed with the message as it is now, by sync and by the range other
 * nodes catch up from; a reference to a message that is gone is left out while the sync
 * cursor still moves past it; whole events pass as stored. A database from before the
 * contract step 020 keeps whole events until `db migrate --contract`, which slims them,
 * and sync replays the same before and after.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { DomainEvents } from "../../src/events/bus.js";
import { hydrate } from "../../src/events/hydrate.js";
import { MessageService } from "../../src/messages/service.js";
import { REFERENCE_PAYLOAD } from "../../src/storage/event-reference.js";
import { migrateThrough } from "../../src/storage/migrate.js";
import type { User } from "../../src/storage/users.js";
import { SyncService } from "../../src/sync/service.js";
import { makeConversation, makeUsers, postMessages } from "../helpers/chat-rows.js";
import { describeEachEngine, ENGINES, openTestStore } from "../helpers/databases.js";

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
    const first = await append("message.new", REFERENCE_PAYLOAD, message.id);
    const missing = randomUUID();
    await append("message.updated", REFERENCE_PAYLOAD, missing);
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

for (const engine of ENGINES) {
  it(`[${engine}] the contract step turns an existing log into references; replay is unchanged`, async () => {
    const opened = await openTestStore(engine, false);
    const { store } = opened;
    try {
      await migrateThrough(store.db, engine, "019_retention");
      // A start on an existing database applies expand steps only: events stay whole.
      await store.migrate();
      assert.equal(store.eventFormat.references, false);
      const service = new MessageService({ store, bus: new DomainEvents(), maxBodyChars: 4000 });
      const [alice, bob] = (await Promise.all(
        (await makeUsers(store, 2)).map((id) => store.users.byId(id)),
      )) as unknown as [User, User];
      const conversation = await makeConversation(store, [alice.id, bob.id]);
      const plain = await service.send(alice, conversation.id, { body: "plain words" });
      const reply = await service.send(bob, conversation.id, {
        body: "a reply",
        reply_to: plain.message.id,
      });
      await service.edit(alice, plain.message.id, "edited words");
      const rows = async () =>
        (await store.events.range(1, await store.events.latestId())).filter((e) =>
          ["message.new", "message.updated"].includes(e.type),
        );
      const before = await rows();
      assert.equal(before.length, 3);
      assert.ok(
        before.every((e) => JSON.parse(e.payload).message),
        "whole events",
      );
      const replay = async () =>
        (await new SyncService(store).since(bob.id, 0, 100)).events.map((e) =>
          JSON.parse(e.payload),
        );
      const replayedBefore = await replay();

      await store.migrate({ contract: true });
      assert.equal(store.eventFormat.references, true, "the node learns the step is applied");
      const after = await rows();
      assert.deepEqual(
        after.map((e) => [e.type, e.payload, e.messageId]),
        before.map((e) => [e.type, REFERENCE_PAYLOAD, JSON.parse(e.payload).message.id]),
      );
      // Replay shows each message as it is now: the new event of an edited message
      // carries its edit, which the whole row did not; nothing else differs.
      const edited = (view: { message?: { id: string } }) => view.message?.id === plain.message.id;
      const replayedAfter = await replay();
      assert.deepEqual(
        replayedAfter.filter((e) => !edited(e)),
        replayedBefore.filter((e) => !edited(e)),
      );
      for (const e of replayedAfter.filter(edited)) assert.equal(e.message.body, "edited words");
      assert.ok(replayedAfter.some((e) => e.message?.id === reply.message.id));

      // From now on new events are stored as references, on both paths.
      const next = await service.send(alice, conversation.id, { body: "after the step" });
      const threaded = await service.send(alice, conversation.id, {
        body: "general path",
        reply_to: next.message.id,
      });
      assert.deepEqual(
        (await rows()).slice(-2).map((e) => [e.payload, e.messageId]),
        [
          [REFERENCE_PAYLOAD, next.message.id],
          [REFERENCE_PAYLOAD, threaded.message.id],
        ],
      );
    } finally {
      await opened.cleanup();
    }
  });
}
