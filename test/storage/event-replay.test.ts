/**
 * Replay's two plans (storage/event-replay.ts) must return the same events: the scan of
 * the log and the seek through the reader's conversations, and every mix of them that a
 * scan window makes. Each plan is forced here; the suite of event-log.test.ts runs the
 * default mix.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import type { Repositories } from "../../src/storage/store.js";
import { makeConversation, makeUsers, memberRow } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL = Number.POSITIVE_INFINITY;

async function append(store: Repositories, conversationId: string | null, userId: string | null) {
  return store.events.append({
    conversationId,
    userId,
    type: userId ? "mention" : "read",
    payload: JSON.stringify({ n: randomUUID() }),
    now: Date.now(),
  });
}

/**
 * A reader among other people: conversations they are in from the start, joined later,
 * left, left and rejoined, never in, and a declined request; events of all of them and
 * events addressed to the reader, to others and to no one, interleaved with the joins.
 */
async function seed(store: Repositories, seedNumber: number) {
  const next = random(seedNumber);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)] as T;
  const [me, ...others] = await makeUsers(store, 4);
  const reader = me as string;
  const conversations = [];
  for (let i = 0; i < 10; i += 1) conversations.push(await makeConversation(store, others));
  const start = await store.events.latestId();
  const inside = new Set<string>();
  for (const c of conversations.slice(0, 3)) {
    await store.conversations.addMembers([memberRow(c.id, reader, { joined_cursor: start })]);
    inside.add(c.id);
  }
  const declined = await makeConversation(store, [others[0] as string], { type: "direct" });
  await store.conversations.addMembers([memberRow(declined.id, reader)]);
  await store.requests.create(declined.id, reader, Date.now());
  await store.requests.setState(declined.id, "declined", Date.now());
  const targets = [...conversations.map((c) => c.id), declined.id];
  for (let i = 0; i < 400; i += 1) {
    const roll = next();
    if (roll < 0.04) {
      // Someone joins or leaves: the reader's periods of membership move.
      const c = pick(conversations.slice(3, 8)).id;
      const cursor = await store.events.latestId();
      if (inside.has(c)) {
        await store.conversations.removeMember(c, reader, cursor);
        inside.delete(c);
      } else {
        await store.conversations.addMembers([memberRow(c, reader, { joined_cursor: cursor })]);
        inside.add(c);
      }
    } else if (roll < 0.12) await append(store, next() < 0.5 ? pick(targets) : null, reader);
    else if (roll < 0.16) await append(store, pick(targets), pick(others) as string);
    else if (roll < 0.18) await append(store, null, null);
    else await append(store, pick(targets), null);
  }
  return { reader, start, end: await store.events.latestId() };
}

describeEachEngine("event replay plans", (get) => {
  it("the scan, the seek and every window between them return the same events", async () => {
    const { store } = get();
    const { reader, start, end } = await seed(store, 7);
    const next = random(11);
    const everything = await store.events.visibleSince(reader, start, 100_000, {
      scanWindow: ALL,
    });
    assert.ok(everything.length > 50, "the reader sees a good share of the log");
    assert.ok(everything.length < (end - start) / 2, "and misses most of it");
    for (let i = 0; i < 40; i += 1) {
      const since = start + Math.floor(next() * (end - start));
      const limit = 1 + Math.floor(next() * 60);
      const expected = everything.filter((e) => e.id > since).slice(0, limit);
      for (const scanWindow of [ALL, 0, 1, Math.floor(next() * 100), undefined]) {
        const got = await store.events.visibleSince(reader, since, limit, { scanWindow });
        assert.deepEqual(
          got,
          expected,
          `since ${since}, limit ${limit}, scan window ${scanWindow}`,
        );
      }
    }
  });

  it("paging with the seek alone walks the log without a gap or a repeat", async () => {
    const { store } = get();
    const { reader, start } = await seed(store, 23);
    const everything = await store.events.visibleSince(reader, start, 100_000, {
      scanWindow: ALL,
    });
    const walked = [];
    let cursor = start;
    for (;;) {
      const page = await store.events.visibleSince(reader, cursor, 7, { scanWindow: 0 });
      if (page.length === 0) break;
      walked.push(...page);
      cursor = page.at(-1)?.id as number;
    }
    assert.deepEqual(walked, everything);
  });

  it("the seek keeps a former member out and a declined request's events away", async () => {
    const { store } = get();
    const [me, other] = (await makeUsers(store, 2)) as [string, string];
    const left = await makeConversation(store, [other]);
    const cursor = await store.events.latestId();
    await store.conversations.addMembers([memberRow(left.id, me, { joined_cursor: cursor })]);
    const whileIn = await append(store, left.id, null);
    await store.conversations.removeMember(left.id, me, await store.events.latestId());
    await append(store, left.id, null); // after I left
    const request = await makeConversation(store, [other, me], { type: "direct" });
    await store.requests.create(request.id, me, Date.now());
    await store.requests.setState(request.id, "declined", Date.now());
    await append(store, request.id, null);
    await append(store, request.id, me);
    const toMe = await append(store, null, me);
    for (const scanWindow of [0, ALL]) {
      const seen = await store.events.visibleSince(me, cursor, 100, { scanWindow });
      // Left and not back: no conversation row, so nothing of it, not even the period.
      assert.deepEqual(
        seen.map((e) => e.id),
        [toMe],
        `scan window ${scanWindow}`,
      );
    }
    await store.conversations.addMembers([
      memberRow(left.id, me, { joined_cursor: await store.events.latestId() }),
    ]);
    const back = await append(store, left.id, null);
    for (const scanWindow of [0, ALL]) {
      const seen = await store.events.visibleSince(me, cursor, 100, { scanWindow });
      assert.deepEqual(
        seen.map((e) => e.id),
        [whileIn, toMe, back],
        `scan window ${scanWindow}`,
      );
    }
  });
});
