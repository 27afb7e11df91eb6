import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { setTimeout as sleep, setImmediate as yieldToTimers } from "node:timers/promises";
import type { ChatEvent } from "@private-chat/protocol/frames";
import { type CommittedEvent, DomainEvents } from "../../src/events/bus.js";
import { writeWithEvents } from "../../src/events/log.js";
import type { Repositories } from "../../src/storage/store.js";
import { makeConversation, makeUsers, memberRow, range } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

function event(
  conversationId: string | null,
  userId: string | null,
  type = "read",
): Parameters<Repositories["events"]["append"]>[0] {
  return {
    conversationId,
    userId,
    type,
    payload: JSON.stringify({ n: randomUUID() }),
    now: Date.now(),
  };
}

function readEvent(conversationId: string, userId: string, seq: number): ChatEvent {
  return { type: "read", conversation_id: conversationId, user_id: userId, seq };
}

describeEachEngine("event store", (get) => {
  it("appends events with increasing ids that latestId follows", async () => {
    const { store } = get();
    assert.equal(await store.events.latestId(), 0);
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push(await store.events.append(event(null, null)));
    assert.deepEqual(ids, range(ids[0]!, ids[0]! + 4));
    assert.equal(await store.events.latestId(), ids[4]);
    const personal = await store.events.append({
      conversationId: null,
      userId: "someone",
      type: "mention",
      payload: JSON.stringify({ hello: "world", list: [1, 2] }),
      now: Date.now(),
    });
    assert.deepEqual(await store.events.visibleSince("someone", 0, 10), [
      {
        id: personal,
        conversationId: null,
        userId: "someone",
        type: "mention",
        payload: '{"hello":"world","list":[1,2]}',
        messageId: null,
      },
    ]);
  });

  it("shows a user their conversations' events since joining and their own events only", async () => {
    const { store } = get();
    const [me, other] = await makeUsers(store, 2);
    const mine = await makeConversation(store, [other!]);
    const theirs = await makeConversation(store, [other!]);
    const before = await store.events.append(event(mine.id, null)); // before I joined
    await store.conversations.addMembers([
      memberRow(mine.id, me!, { joined_cursor: await store.events.latestId() }),
    ]);
    const shared = await store.events.append(event(mine.id, null));
    const hidden = await store.events.append(event(theirs.id, null));
    const toMe = await store.events.append(event(theirs.id, me!, "mention"));
    const toMeAlone = await store.events.append(event(null, me!, "mention"));
    const toOther = await store.events.append(event(mine.id, other!, "mention"));
    const global = await store.events.append(event(null, null));

    const seen = await store.events.visibleSince(me!, 0, 100);
    assert.deepEqual(
      seen.map((e) => e.id),
      [shared, toMe, toMeAlone],
    );
    assert.deepEqual(
      seen.map((e) => [e.conversationId, e.userId]),
      [
        [mine.id, null],
        [theirs.id, me],
        [null, me],
      ],
    );
    assert.deepEqual(
      (await store.events.visibleSince(other!, before - 1, 100)).map((e) => e.id),
      [before, shared, hidden, toOther],
    );
    assert.ok(global > toOther);

    // Leaving a conversation hides its events, personal ones stay.
    await store.conversations.removeMember(mine.id, me!);
    assert.deepEqual(
      (await store.events.visibleSince(me!, 0, 100)).map((e) => e.id),
      [toMe, toMeAlone],
    );
  });

  it("returns events after the cursor in id order, up to the limit", async () => {
    const { store } = get();
    const [me] = await makeUsers(store, 1);
    const conversation = await makeConversation(store, [me!]);
    const ids = [];
    for (let i = 0; i < 6; i += 1) {
      ids.push(
        await store.events.append(event(i % 2 ? conversation.id : null, i % 2 ? null : me!)),
      );
    }
    const visible = async (since: number, limit: number) =>
      (await store.events.visibleSince(me!, since, limit)).map((e) => e.id);
    assert.deepEqual(await visible(0, 100), ids);
    assert.deepEqual(await visible(0, 4), ids.slice(0, 4));
    assert.deepEqual(await visible(ids[1]!, 2), ids.slice(2, 4));
    assert.deepEqual(await visible(ids[5]!, 10), []);
  });
});

describeEachEngine("writeWithEvents", (get) => {
  it("emits the logged events after commit, in cursor order", async () => {
    const { store, reopen } = get();
    const other = reopen();
    try {
      const [me] = await makeUsers(store, 1);
      const conversation = await makeConversation(store, [me!]);
      const bus = new DomainEvents();
      const emitted: CommittedEvent[][] = [];
      const seenElsewhere: Promise<number>[] = [];
      bus.on("chat.events", (events) => {
        emitted.push(events);
        seenElsewhere.push(other.events.latestId());
      });
      const result = await writeWithEvents(store, bus, async (_tx, log) => {
        await log.append(readEvent(conversation.id, me!, 1));
        await log.append(readEvent(conversation.id, me!, 2), { userId: me! });
        assert.equal(emitted.length, 0);
        return "done";
      });
      assert.equal(result, "done");
      assert.equal(emitted.length, 1);
      const [first, second] = emitted[0]!;
      assert.ok(first && second && second.cursor > first.cursor);
      assert.equal(await seenElsewhere[0], second.cursor);
      assert.deepEqual(
        [first.userId, second.userId, second.event],
        [null, me, readEvent(conversation.id, me!, 2)],
      );
      assert.deepEqual(
        (await store.events.visibleSince(me!, 0, 10)).map((e) => e.id),
        [first.cursor, second.cursor],
      );
    } finally {
      await other.close();
    }
  });

  it("emits and stores nothing when the work fails, and nothing when it logs nothing", async () => {
    const { store } = get();
    const [me] = await makeUsers(store, 1);
    const conversation = await makeConversation(store, [me!]);
    const bus = new DomainEvents();
    let emits = 0;
    bus.on("chat.events", () => {
      emits += 1;
    });
    const head = await store.events.latestId();
    await assert.rejects(
      writeWithEvents(store, bus, async (_tx, log) => {
        await log.append(readEvent(conversation.id, me!, 1));
        throw new Error("abort");
      }),
      /abort/,
    );
    await writeWithEvents(store, bus, async () => {});
    assert.equal(emits, 0);
    assert.equal(await store.events.latestId(), head);
  });
});

describeEachEngine("event ids across nodes", (get, engine) => {
  it("never lets a reader see an id before every smaller id is visible", async () => {
    const opened = get();
    const { store } = opened;
    // PostgreSQL: two writer pools (two nodes) and a reader pool (a third).
    // SQLite: one writer store and a reader on its own connection.
    const writers = engine === "postgres" ? [store, opened.reopen()] : [store];
    const reader = opened.reopen();
    try {
      const [me, other] = await makeUsers(store, 2);
      const start = await store.events.latestId();
      const mine = await makeConversation(store, [me!, other!]);
      const theirs = await makeConversation(store, [other!]);
      await store.conversations.addMembers([memberRow(mine.id, me!, { joined_cursor: start })]);

      let done = false;
      let expectedVisible = 0;
      let total = 0;
      const writes = Promise.all(
        range(1, 120).map((i) =>
          writeWithEvents(writers[i % writers.length]!, new DomainEvents(), async (_tx, log) => {
            for (let k = 0; k <= i % 3; k += 1) {
              const kind = (i + k) % 3;
              // Visible to me: my conversation's events and my own; not: the other ones.
              if (kind === 0) await log.append(readEvent(mine.id, other!, i));
              if (kind === 1) await log.append(readEvent(theirs.id, other!, i), { userId: me! });
              if (kind === 2) await log.append(readEvent(theirs.id, other!, i));
              if (kind !== 2) expectedVisible += 1;
              total += 1;
              // Hold the transaction open after the insert, where out-of-order commits happen.
              await sleep(i % 3);
            }
          }),
        ),
      ).finally(() => {
        done = true;
      });

      // Snapshots: at head M, the visible ids up to M. Also an incremental sync like
      // SyncService's, whose cursor jumps to the head.
      const snapshots: { head: number; ids: number[] }[] = [];
      const synced: number[] = [];
      let cursor = start;
      while (!done) {
        const head = await reader.events.latestId();
        const all = await reader.events.visibleSince(me!, start, 100_000);
        snapshots.push({ head, ids: all.map((e) => e.id).filter((id) => id <= head) });
        const page = await reader.events.visibleSince(me!, cursor, 100_000);
        synced.push(...page.map((e) => e.id).filter((id) => id <= head));
        cursor = head;
        // better-sqlite3 answers synchronously: without this the loop starves the writers.
        await yieldToTimers();
      }
      await writes;

      const final = (await reader.events.visibleSince(me!, start, 100_000)).map((e) => e.id);
      assert.equal(final.length, expectedVisible);
      assert.equal(await reader.events.latestId(), start + total);
      const page = await reader.events.visibleSince(me!, cursor, 100_000);
      synced.push(...page.map((e) => e.id));
      assert.deepEqual(synced, final, "the incremental sync skipped or repeated events");
      const mid = snapshots.filter((s) => s.head > start && s.head < start + total);
      assert.ok(mid.length >= 3, `the reader only polled mid-write ${mid.length} times`);
      for (const { head, ids } of snapshots) {
        assert.deepEqual(
          ids,
          final.filter((id) => id <= head),
          `at head ${head} the reader saw fewer events than were eventually below it`,
        );
      }
    } finally {
      await reader.close();
      if (writers[1]) await writers[1].close();
    }
  });
});
