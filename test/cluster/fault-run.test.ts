import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ClientRecord, check, type StoredRow, violated } from "../../bench/fault/checker.js";
import { faultRun } from "../../bench/fault/run.js";
import { BENCH_ENV } from "../helpers/command-entry.js";

// The nodes start as the other tests start chat-server: from the build when there is one.
Object.assign(process.env, BENCH_ENV);

describe("fault run (issue #9): a seeded run with every fault, through the bench code", () => {
  it("loses, doubles and reorders no acked message while a node, Redis and PostgreSQL fail", async () => {
    const record = await faultRun({
      seed: 7,
      clients: 6,
      messages: 40,
      // Slow enough that the sending overlaps the faults (about 6 s of sends).
      gapMs: 150,
      inFlight: 4,
      nodes: 3,
      sendTimeoutMs: 120_000,
      quietMs: 2000,
    });
    assert.deepEqual(record.faults.map((f) => f.kind).sort(), [
      "node_kill",
      "postgres_restart",
      "redis_pause",
      "redis_pubsub_kill",
    ]);
    for (const fault of record.faults) assert.equal(fault.error, undefined, fault.kind);
    // The seeded pauses alone keep the sending going past the last planned fault.
    assert.equal(record.faults_during_sends, 4, "every fault hit traffic");
    assert.deepEqual(record.problems, []);
    assert.equal(record.acked + record.failed, 6 * 40);
    assert.ok(record.acked > 0);
    assert.equal(record.lost_stored, 0, "every acked message is stored");
    assert.equal(record.lost, 0, "every acked message reached every other member");
    assert.equal(record.delivered, record.expected_deliveries);
    assert.equal(record.duplicated, 0);
    assert.equal(record.order_violations, 0);
    assert.equal(record.ok, true);
  });
});

describe("fault run checker", () => {
  const members = new Map([["c1", ["alice", "bob", "carol"]]]);
  const row = (id: string, seq: number, sender: string, clientId: string): StoredRow => ({
    id,
    conversation_id: "c1",
    seq,
    sender_id: sender,
    client_id: clientId,
  });
  const got = (id: string, seq: number, sender: string, clientId: string) => ({
    messageId: id,
    conversationId: "c1",
    seq,
    senderId: sender,
    clientId,
  });
  const sent = (clientId: string, id: string, seq: number) => ({
    clientId,
    conversationId: "c1",
    message: {
      id,
      conversation_id: "c1",
      seq,
      sender_id: "alice",
      body: "x",
      client_id: clientId,
      created_at: 0,
    },
  });
  const alice: ClientRecord = {
    userId: "alice",
    received: [],
    sends: [sent("a1", "m1", 1), sent("a2", "m2", 2), { clientId: "a3", conversationId: "c1" }],
    transmissions: new Map([
      ["a1", 2],
      ["a2", 1],
      ["a3", 3],
    ]),
  };
  const rows = [row("m1", 1, "alice", "a1"), row("m2", 2, "alice", "a2")];

  it("passes a clean run and counts re-sends and unacked sends apart", () => {
    const clean = (userId: string): ClientRecord => ({
      userId,
      received: [got("m1", 1, "alice", "a1"), got("m2", 2, "alice", "a2")],
      sends: [],
      transmissions: new Map(),
    });
    const verdict = check([alice, clean("bob"), clean("carol")], members, rows);
    assert.equal(violated(verdict), false);
    assert.equal(verdict.acked, 2);
    assert.equal(verdict.failed, 1);
    assert.equal(verdict.retries, 3);
    assert.equal(verdict.delivered, 4);
  });

  it("finds a lost delivery, a duplicate, a reorder and an acked message not stored", () => {
    const bob: ClientRecord = {
      userId: "bob",
      received: [got("m2", 2, "alice", "a2"), got("m1", 1, "alice", "a1")],
      sends: [],
      transmissions: new Map(),
    };
    const carol: ClientRecord = {
      userId: "carol",
      received: [got("m1", 1, "alice", "a1"), got("m1", 1, "alice", "a1")],
      sends: [],
      transmissions: new Map(),
    };
    const verdict = check([alice, bob, carol], members, [rows[0] as StoredRow]);
    assert.equal(verdict.lost_stored, 1);
    assert.equal(verdict.lost, 1, "carol never got m2");
    assert.equal(verdict.duplicated, 1, "carol got m1 twice");
    assert.ok(verdict.order_violations >= 1, "bob saw seq 1 after seq 2");
    assert.equal(violated(verdict), true);
  });
});
