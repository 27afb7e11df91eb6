import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { isUniqueViolation } from "../../src/storage/errors.js";
import { makeConversation, makeUsers, messageRow, postMessages } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

describeEachEngine("message store", (get) => {
  it("inserts messages and finds them by id and by client id", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const conversation = await makeConversation(store, [a!, b!]);
    const row = messageRow(conversation.id, 1, a!, { client_id: "c-1", body: "hello" });
    await store.messages.insert(row);
    assert.deepEqual(await store.messages.byId(row.id), row);
    assert.deepEqual(await store.messages.byClientId(conversation.id, a!, "c-1"), row);
    assert.equal(await store.messages.byClientId(conversation.id, b!, "c-1"), undefined);
    assert.equal(await store.messages.byClientId(conversation.id, a!, "c-2"), undefined);
    assert.equal(await store.messages.byId(randomUUID()), undefined);
  });

  it("refuses a second message with the same client id from the same sender", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const conversation = await makeConversation(store, [a!, b!]);
    await store.messages.insert(messageRow(conversation.id, 1, a!, { client_id: "dup" }));
    await assert.rejects(
      store.messages.insert(messageRow(conversation.id, 2, a!, { client_id: "dup" })),
      (err: unknown) => isUniqueViolation(err),
    );
    // Another sender, or no client id at all, is fine.
    await store.messages.insert(messageRow(conversation.id, 2, b!, { client_id: "dup" }));
    await store.messages.insert(messageRow(conversation.id, 3, a!));
    await store.messages.insert(messageRow(conversation.id, 4, a!));
    // A seq is taken once per conversation.
    await assert.rejects(
      store.messages.insert(messageRow(conversation.id, 4, b!)),
      (err: unknown) => isUniqueViolation(err),
    );
  });

  it("pages history oldest to newest within before, after, limit and the member window", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const conversation = await makeConversation(store, [a!]);
    await postMessages(store, conversation.id, Array<string>(10).fill(a!));
    const seqs = async (options: {
      before?: number;
      after?: number;
      limit: number;
      minSeq: number;
    }) => (await store.messages.page(conversation.id, options)).map((m) => m.seq);
    assert.deepEqual(await seqs({ limit: 3, minSeq: 0 }), [8, 9, 10]);
    assert.deepEqual(await seqs({ before: 8, limit: 3, minSeq: 0 }), [5, 6, 7]);
    assert.deepEqual(await seqs({ after: 2, limit: 3, minSeq: 0 }), [3, 4, 5]);
    assert.deepEqual(await seqs({ after: 4, before: 9, limit: 10, minSeq: 0 }), [5, 6, 7, 8]);
    assert.deepEqual(await seqs({ limit: 10, minSeq: 6 }), [7, 8, 9, 10]);
    assert.deepEqual(await seqs({ before: 9, limit: 10, minSeq: 6 }), [7, 8]);
    assert.deepEqual(await seqs({ after: 0, limit: 2, minSeq: 6 }), [7, 8]);
    assert.deepEqual(await seqs({ before: 3, limit: 10, minSeq: 6 }), []);
    assert.deepEqual(await seqs({ after: 10, limit: 10, minSeq: 0 }), []);
    const empty = await makeConversation(store, [a!]);
    assert.deepEqual(await store.messages.page(empty.id, { limit: 5, minSeq: 0 }), []);
  });

  it("finds each conversation's last message", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const one = await makeConversation(store, [a!]);
    const two = await makeConversation(store, [a!]);
    const silent = await makeConversation(store, [a!]);
    const ones = await postMessages(store, one.id, [a!, a!, a!]);
    const twos = await postMessages(store, two.id, [a!]);
    const last = await store.messages.lastOf([one.id, two.id, silent.id]);
    assert.deepEqual([...last.keys()].sort(), [one.id, two.id].sort());
    assert.deepEqual(last.get(one.id), ones[2]);
    assert.deepEqual(last.get(two.id), twos[0]);
    assert.equal((await store.messages.lastOf([])).size, 0);
  });

  it("edits a message, and tombstones one with its reactions", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const conversation = await makeConversation(store, [a!, b!]);
    const [first, second] = await postMessages(store, conversation.id, [a!, a!]);
    await store.messages.edit(first!.id, "changed", 1234);
    assert.deepEqual(await store.messages.byId(first!.id), {
      ...first!,
      body: "changed",
      edited_at: 1234,
    });

    await store.messages.addReaction(second!.id, a!, "👍", 1);
    await store.messages.addReaction(second!.id, b!, "🎉", 2);
    await store.messages.addReaction(first!.id, b!, "👍", 3);
    await store.messages.tombstone(second!.id, 5678);
    assert.deepEqual(await store.messages.byId(second!.id), {
      ...second!,
      body: "",
      deleted_at: 5678,
    });
    const reactions = await store.messages.reactionsOf([first!.id, second!.id]);
    assert.equal(reactions.has(second!.id), false);
    assert.deepEqual(reactions.get(first!.id), [{ emoji: "👍", count: 1, userIds: [b] }]);
  });

  it("adds and removes reactions idempotently and aggregates them per emoji", async () => {
    const { store } = get();
    const [a, b, c] = await makeUsers(store, 3);
    const conversation = await makeConversation(store, [a!, b!, c!]);
    const [m1, m2, m3] = await postMessages(store, conversation.id, [a!, a!, a!]);
    assert.equal(await store.messages.addReaction(m1!.id, b!, "👍", 10), true);
    assert.equal(await store.messages.addReaction(m1!.id, b!, "👍", 11), false);
    assert.equal(await store.messages.addReaction(m1!.id, a!, "❤️", 20), true);
    assert.equal(await store.messages.addReaction(m1!.id, c!, "👍", 30), true);
    assert.equal(await store.messages.addReaction(m1!.id, b!, "❤️", 40), true);
    assert.equal(await store.messages.addReaction(m2!.id, c!, "😂", 50), true);

    let reactions = await store.messages.reactionsOf([m1!.id, m2!.id, m3!.id]);
    assert.deepEqual(reactions.get(m1!.id), [
      { emoji: "👍", count: 2, userIds: [b, c] },
      { emoji: "❤️", count: 2, userIds: [a, b] },
    ]);
    assert.deepEqual(reactions.get(m2!.id), [{ emoji: "😂", count: 1, userIds: [c] }]);
    assert.equal(reactions.has(m3!.id), false);

    assert.equal(await store.messages.removeReaction(m1!.id, b!, "👍"), true);
    assert.equal(await store.messages.removeReaction(m1!.id, b!, "👍"), false);
    assert.equal(await store.messages.removeReaction(m2!.id, a!, "😂"), false);
    // 👍 is now first used at 30, after ❤️ at 20.
    reactions = await store.messages.reactionsOf([m1!.id]);
    assert.deepEqual(reactions.get(m1!.id), [
      { emoji: "❤️", count: 2, userIds: [a, b] },
      { emoji: "👍", count: 1, userIds: [c] },
    ]);
    assert.equal((await store.messages.reactionsOf([])).size, 0);
  });
});
