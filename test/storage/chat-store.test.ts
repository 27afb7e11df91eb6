import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { isUniqueViolation } from "../../src/storage/errors.js";
import type { Store } from "../../src/storage/store.js";
import {
  conversationRow,
  makeConversation,
  makeUsers,
  memberRow,
  messageRow,
  postMessages,
  range,
} from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

describeEachEngine("conversation store", (get) => {
  it("creates a conversation and reads it back by id and by direct key", async () => {
    const { store } = get();
    const [alice] = await makeUsers(store, 1);
    const key = `direct:${randomUUID()}`;
    const direct = conversationRow({
      type: "direct",
      title: null,
      direct_key: key,
      created_by: alice!,
      members_can_pin: 0,
      retention_days: null,
      expired_seq: 0,
      encrypted: 0,
      mls_epoch: 0,
    });
    await store.conversations.create(direct);
    assert.deepEqual(await store.conversations.byId(direct.id), direct);
    assert.deepEqual(await store.conversations.byDirectKey(key), direct);
    assert.equal(await store.conversations.byId(randomUUID()), undefined);
    assert.equal(await store.conversations.byDirectKey("direct:nobody"), undefined);
  });

  it("keeps direct keys unique, while any number of groups have none", async () => {
    const { store } = get();
    const key = `direct:${randomUUID()}`;
    await store.conversations.create(conversationRow({ type: "direct", direct_key: key }));
    await assert.rejects(
      store.conversations.create(conversationRow({ type: "direct", direct_key: key })),
      (err: unknown) => isUniqueViolation(err),
    );
    await store.conversations.create(conversationRow({ direct_key: null }));
    await store.conversations.create(conversationRow({ direct_key: null }));
  });

  it("adds members idempotently and lists them in every shape", async () => {
    const { store } = get();
    const [a, b, c] = await makeUsers(store, 3);
    const one = conversationRow();
    const two = conversationRow();
    await store.conversations.create(one);
    await store.conversations.create(two);
    await store.conversations.addMembers([
      memberRow(one.id, a!, { role: "owner", joined_at: 100 }),
      memberRow(one.id, b!, { joined_at: 200 }),
    ]);
    // A second add of an existing member changes nothing (and does not throw).
    await store.conversations.addMembers([
      memberRow(one.id, a!, { role: "member", joined_at: 999, read_seq: 7 }),
      memberRow(one.id, c!, { joined_at: 300 }),
    ]);
    await store.conversations.addMembers([]);
    await store.conversations.addMembers([memberRow(two.id, a!, { joined_at: 50 })]);

    assert.deepEqual(
      await store.conversations.member(one.id, a!),
      memberRow(one.id, a!, { role: "owner", joined_at: 100 }),
    );
    assert.equal(await store.conversations.member(one.id, randomUUID()), undefined);
    assert.deepEqual(
      (await store.conversations.members(one.id)).map((m) => m.user_id),
      [a, b, c],
    );
    assert.deepEqual((await store.conversations.memberIds(one.id)).sort(), [a, b, c].sort());
    assert.deepEqual(
      (await store.conversations.membersOf([one.id, two.id])).map((m) => [
        m.conversation_id,
        m.user_id,
      ]),
      [
        [two.id, a],
        [one.id, a],
        [one.id, b],
        [one.id, c],
      ],
    );
    assert.deepEqual(await store.conversations.membersOf([]), []);
    assert.deepEqual(
      (await store.conversations.conversationIdsOf(a!)).sort(),
      [one.id, two.id].sort(),
    );
    assert.deepEqual(await store.conversations.conversationIdsOf(c!), [one.id]);
  });

  it("adds more members than one statement's chunk", async () => {
    const { store } = get();
    const conversation = conversationRow();
    await store.conversations.create(conversation);
    const ids = await store.transaction((tx) => makeUsers(tx, 510));
    await store.conversations.addMembers(ids.map((u) => memberRow(conversation.id, u)));
    assert.equal((await store.conversations.memberIds(conversation.id)).length, 510);
  });

  it("lists a user's memberships by latest activity, with their conversations", async () => {
    const { store } = get();
    const [me] = await makeUsers(store, 1);
    const base = Date.now();
    const old = await makeConversation(store, [me!], { last_activity_at: base - 3000 });
    const mid = await makeConversation(store, [me!], { last_activity_at: base - 2000 });
    const recent = await makeConversation(store, [me!], { last_activity_at: base - 1000 });
    await makeConversation(store, []); // not mine
    assert.deepEqual(
      (await store.conversations.membershipsOf(me!)).map((m) => m.conversation_id),
      [recent.id, mid.id, old.id],
    );
    // New activity moves a conversation to the top.
    const seq = await store.conversations.allocateSeq(old.id, base);
    await store.conversations.touchActivity(mid.id, base - 500);
    const memberships = await store.conversations.membershipsOf(me!);
    assert.deepEqual(
      memberships.map((m) => m.conversation_id),
      [old.id, mid.id, recent.id],
    );
    assert.deepEqual(memberships[0], {
      ...memberRow(old.id, me!, { joined_at: memberships[0]!.joined_at }),
      conversation: { ...old, last_seq: seq, last_activity_at: base },
    });
    assert.deepEqual(await store.conversations.membershipsOf(randomUUID()), []);
  });

  it("changes roles and removes members", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const conversation = await makeConversation(store, [a!, b!]);
    await store.conversations.setRole(conversation.id, b!, "admin");
    assert.equal((await store.conversations.member(conversation.id, b!))?.role, "admin");
    assert.equal((await store.conversations.member(conversation.id, a!))?.role, "member");
    assert.equal(await store.conversations.removeMember(conversation.id, b!), true);
    assert.equal(await store.conversations.removeMember(conversation.id, b!), false);
    assert.equal(await store.conversations.member(conversation.id, b!), undefined);
    assert.deepEqual(await store.conversations.memberIds(conversation.id), [a]);
    assert.deepEqual(await store.conversations.conversationIdsOf(b!), []);
  });

  it("only ever moves a read position forward", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const conversation = await makeConversation(store, [a!]);
    assert.equal(await store.conversations.advanceRead(conversation.id, a!, 5), 5);
    assert.equal(await store.conversations.advanceRead(conversation.id, a!, 3), 5);
    assert.equal(await store.conversations.advanceRead(conversation.id, a!, 5), 5);
    assert.equal(await store.conversations.advanceRead(conversation.id, a!, 9), 9);
    assert.equal((await store.conversations.member(conversation.id, a!))?.read_seq, 9);
    assert.equal(
      await store.conversations.advanceRead(conversation.id, randomUUID(), 3),
      undefined,
    );
  });

  it("counts others' live messages past the read position as unread", async () => {
    const { store } = get();
    const [me, other] = await makeUsers(store, 2);
    const busy = await makeConversation(store, [me!, other!]);
    const quiet = await makeConversation(store, [me!, other!]);
    const foreign = await makeConversation(store, [other!]);
    // busy: seqs 1-5 from other, 6 from me, 7 from other (deleted), 8 from other.
    const rows = await postMessages(store, busy.id, [
      ...Array<string>(5).fill(other!),
      me!,
      other!,
      other!,
    ]);
    await store.messages.tombstone(rows[6]!.id, Date.now());
    await postMessages(store, quiet.id, [me!, me!]);
    await postMessages(store, foreign.id, [other!, other!]);
    await store.conversations.advanceRead(busy.id, me!, 2);

    const all = [busy.id, quiet.id, foreign.id];
    const unread = await store.conversations.unreadCounts(me!, all);
    assert.equal(unread.get(busy.id), 4); // seqs 3, 4, 5 and 8
    assert.equal(unread.get(quiet.id) ?? 0, 0);
    assert.equal(unread.has(foreign.id), false);
    // Only the conversations asked about are counted (a page of the list).
    assert.equal((await store.conversations.unreadCounts(me!, [quiet.id])).has(busy.id), false);
    // The other member's own view: my single message in busy (their read_seq is 0).
    assert.equal((await store.conversations.unreadCounts(other!, all)).get(busy.id), 1);

    await store.conversations.advanceRead(busy.id, me!, 8);
    assert.equal((await store.conversations.unreadCounts(me!, all)).get(busy.id) ?? 0, 0);
  });
});

/** Runs `count` message posts concurrently, spread over `stores`; returns the stored seqs. */
async function concurrentPosts(
  stores: Store[],
  conversationId: string,
  senderId: string,
  count: number,
  withEventLock: boolean,
): Promise<number[]> {
  const allocated = await Promise.all(
    range(1, count).map((i) => {
      const store = stores[i % stores.length]!;
      return store.transaction(async (tx) => {
        if (withEventLock) await tx.events.lockForAppend();
        const seq = await tx.conversations.allocateSeq(conversationId, Date.now());
        await tx.messages.insert(messageRow(conversationId, seq, senderId));
        return seq;
      });
    }),
  );
  return allocated.sort((x, y) => x - y);
}

describeEachEngine("message seq allocation", (get, engine) => {
  it("hands out sequential seqs, and a rolled-back one is taken again", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const conversation = await makeConversation(store, [a!]);
    const seqs = [];
    for (let i = 0; i < 3; i += 1) {
      seqs.push(await store.conversations.allocateSeq(conversation.id, Date.now()));
    }
    assert.deepEqual(seqs, [1, 2, 3]);
    await assert.rejects(
      store.transaction(async (tx) => {
        assert.equal(await tx.conversations.allocateSeq(conversation.id, Date.now()), 4);
        throw new Error("abort");
      }),
      /abort/,
    );
    assert.equal(await store.conversations.allocateSeq(conversation.id, Date.now()), 4);
    assert.equal((await store.conversations.byId(conversation.id))?.last_seq, 4);
    await assert.rejects(store.conversations.allocateSeq(randomUUID(), Date.now()));
  });

  for (const withEventLock of [true, false]) {
    const how = withEventLock ? "after lockForAppend" : "on the row lock alone";
    it(`keeps seqs gapless under 200 concurrent posts ${how}`, async () => {
      const opened = get();
      // PostgreSQL: two pools, like two server nodes. SQLite: one process, one store.
      const second = engine === "postgres" ? opened.reopen() : undefined;
      const stores = second ? [opened.store, second] : [opened.store];
      try {
        const [a] = await makeUsers(opened.store, 1);
        const conversation = await makeConversation(opened.store, [a!]);
        const seqs = await concurrentPosts(stores, conversation.id, a!, 200, withEventLock);
        assert.deepEqual(seqs, range(1, 200));
        const stored = await opened.store.messages.page(conversation.id, {
          limit: 1000,
          minSeq: 0,
        });
        assert.deepEqual(
          stored.map((m) => m.seq),
          range(1, 200),
        );
        assert.equal((await opened.store.conversations.byId(conversation.id))?.last_seq, 200);
      } finally {
        await second?.close();
      }
    });
  }
});
