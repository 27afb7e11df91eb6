import assert from "node:assert/strict";
import { it } from "node:test";
import type { AppendRequest, AppendResult } from "../../src/storage/message-rules.js";
import type { Store } from "../../src/storage/store.js";
import { makeConversation, makeUsers } from "../helpers/chat-rows.js";
import { describeEachEngine, describeOnWriterThread } from "../helpers/databases.js";

function append(store: Store, requests: AppendRequest[], now = Date.now()) {
  return store.appender.append({ requests, now });
}

function stored(result: AppendResult | undefined) {
  assert.equal(result?.kind, "stored");
  return result as Extract<AppendResult, { kind: "stored" }>;
}

function appendSuite(get: () => { store: Store }) {
  it("stores a batch with gapless seqs per conversation and one event per message", async () => {
    const { store } = get();
    const [a, b, c] = await makeUsers(store, 3);
    const ab = await makeConversation(store, [a!, b!]);
    const bc = await makeConversation(store, [b!, c!]);
    const send = (conversationId: string, senderId: string, body: string) => ({
      conversationId,
      senderId,
      body,
      clientId: null,
    });
    const results = await append(store, [
      send(ab.id, a!, "one"),
      send(bc.id, c!, "two"),
      send(ab.id, b!, "three"),
      send(ab.id, a!, "four"),
    ]);
    const rows = results.map((r) => stored(r).row);
    assert.deepEqual(
      rows.map((r) => [r.conversation_id, r.seq, r.body]),
      [
        [ab.id, 1, "one"],
        [bc.id, 1, "two"],
        [ab.id, 2, "three"],
        [ab.id, 3, "four"],
      ],
    );
    const cursors = results.map((r) => stored(r).cursor);
    assert.deepEqual(
      [...cursors].sort((x, y) => x - y),
      cursors,
      "cursors follow request order",
    );
    const logged = await store.events.range(cursors[0]!, cursors[3]!);
    assert.deepEqual(
      logged.map((e) => [e.id, e.conversationId, e.type, e.payload]),
      results.map((r) => {
        const s = stored(r);
        return [s.cursor, s.row.conversation_id, "message.new", s.payload];
      }),
    );
    for (const row of rows) assert.deepEqual(await store.messages.byId(row.id), row);
    const conversation = await store.conversations.byId(ab.id);
    assert.equal(Number(conversation?.last_seq), 3);
    // Sending moves the sender's read mark to their own message.
    const members = await store.conversations.members(ab.id);
    const readOf = (id: string) => Number(members.find((m) => m.user_id === id)?.read_seq);
    assert.equal(readOf(a!), 3);
    assert.equal(readOf(b!), 2);
  });

  it("answers a repeated client_id with the first message, within a batch and across batches", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const ab = await makeConversation(store, [a!, b!]);
    const send = (clientId: string, body: string) => ({
      conversationId: ab.id,
      senderId: a!,
      body,
      clientId,
    });
    const first = await append(store, [send("k1", "first"), send("k1", "again"), send("k2", "x")]);
    const original = stored(first[0]).row;
    assert.deepEqual(first[1], { kind: "duplicate", row: original });
    assert.equal(stored(first[2]).row.seq, 2);
    const later = await append(store, [send("k1", "third time")]);
    assert.deepEqual(later[0], { kind: "duplicate", row: original });
    // The same client_id from another sender is another message.
    const other = await append(store, [{ ...send("k1", "b's"), senderId: b! }]);
    assert.equal(stored(other[0]).row.seq, 3);
  });

  it("refuses senders who are not members without storing anything for them", async () => {
    const { store } = get();
    const [a, b, outsider] = await makeUsers(store, 3);
    const ab = await makeConversation(store, [a!, b!]);
    const results = await append(store, [
      { conversationId: ab.id, senderId: outsider!, body: "let me in", clientId: "o" },
      { conversationId: ab.id, senderId: a!, body: "hi", clientId: "a" },
      { conversationId: "no-such-conversation", senderId: a!, body: "?", clientId: null },
    ]);
    assert.deepEqual(results[0], { kind: "not_member" });
    assert.equal(stored(results[1]).row.seq, 1);
    assert.deepEqual(results[2], { kind: "not_member" });
    const page = await store.messages.page(ab.id, { limit: 10, minSeq: 0 });
    assert.deepEqual(
      page.map((m) => m.body),
      ["hi"],
    );
  });
}

describeEachEngine("message append path", (get) => appendSuite(get));

describeOnWriterThread("message append path", (get) => appendSuite(get));
