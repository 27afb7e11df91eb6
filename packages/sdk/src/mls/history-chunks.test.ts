/**
 * The key backup's chunk layout and upload (history-chunks.ts, history-upload.ts), as both
 * apps use them: each block of seqs in a chunk of its own, in parts when too large, only
 * the changed blocks laid out after a change, and an upload that sends only what changed,
 * removes what holds nothing any more, and forgets the key when the backup is gone; and a
 * shared archive gathered by conversation and seq as a restore gathers chunks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/protocol/key-backup";
import { ApiError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import type { KeptMessage } from "./chat-state.js";
import { BLOCK, type ChunkContent, chunksOf, planOf } from "./history-chunks.js";
import { historyOfArchive } from "./history-restore.js";
import {
  BackupGone,
  type BackupProgress,
  type HistoryBackupStore,
  uploadBackup,
} from "./history-upload.js";
import { chunkIdOf, newBackupKey, openChunk } from "./key-backup.js";

const key = newBackupKey();
const read = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as ChunkContent;

it("puts each block of seqs in a chunk of its own, opened messages only", () => {
  const messages: Record<string, KeptMessage> = {
    "1": { text: "one", device_id: "d1" },
    "2": { refused: "sent before this device joined" },
    "3": { own_change: true },
    [String(BLOCK + 1)]: { text: "next block", device_id: "d2" },
  };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 0);
  assert.deepEqual(
    [...chunks.keys()].sort(),
    [chunkIdOf(key, ["me", "c1", "0", "0"]), chunkIdOf(key, ["me", "c1", "1", "0"])].sort(),
  );
  const first = read(chunks.get(chunkIdOf(key, ["me", "c1", "0", "0"])) as Uint8Array);
  assert.deepEqual(first, {
    v: 1,
    conversation_id: "c1",
    messages: { "1": { text: "one", device_id: "d1" } },
  });
  // Another device's chunks of the same messages have other ids: devices never overwrite each other.
  const theirs = chunksOf(key, "them", "c1", messages).chunks;
  for (const id of theirs.keys()) assert.ok(!chunks.has(id));
});

it("splits a block too large for one chunk into parts, and leaves out a message too large alone", () => {
  const big = "x".repeat(Math.floor(KEY_BACKUP_CHUNK_MAX_BYTES / 3));
  const messages: Record<string, KeptMessage> = {};
  for (let seq = 1; seq <= 5; seq++) messages[seq] = { text: `${seq}${big}`, device_id: "d" };
  messages["6"] = { text: "y".repeat(KEY_BACKUP_CHUNK_MAX_BYTES), device_id: "d" };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 1);
  assert.equal(chunks.size, 3);
  const seqs: string[] = [];
  for (const bytes of chunks.values()) {
    assert.ok(bytes.length <= KEY_BACKUP_CHUNK_MAX_BYTES);
    seqs.push(...Object.keys(read(bytes).messages));
  }
  assert.deepEqual(seqs.sort(), ["1", "2", "3", "4", "5"]);
});

it("counts a part's size exactly as it is encoded", () => {
  // Sizes around the limit: each part is as full as fits, and never over.
  const messages: Record<string, KeptMessage> = {};
  const size = Math.floor(KEY_BACKUP_CHUNK_MAX_BYTES / 7);
  for (let seq = 1; seq <= 40; seq++)
    messages[seq] = { text: `é${"z".repeat(size - (seq % 5) * 1000)}\n"`, device_id: "d" };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 0);
  const parts = [...chunks.values()];
  for (const bytes of parts) assert.ok(bytes.length <= KEY_BACKUP_CHUNK_MAX_BYTES - 64);
  // Full: no part but the last would have taken the first message of the next.
  const seqs = parts.map((bytes) => Object.keys(read(bytes).messages).map(Number));
  const total = seqs.flat().sort((a, b) => a - b);
  assert.deepEqual(
    total,
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
});

describe("an upload after a change lays out the changed blocks alone", () => {
  const text = (t: string) => ({ text: t, device_id: "d" });
  /** Three blocks' worth of messages, one in block 2 too long to share a part. */
  const messages = (): Record<string, KeptMessage> => {
    const kept: Record<string, KeptMessage> = {};
    for (let seq = 1; seq < 3 * BLOCK; seq += 7) kept[seq] = text(`message ${seq}`);
    return kept;
  };
  const hashes = (chunks: Map<string, Uint8Array>) =>
    Object.fromEntries([...chunks].map(([id, bytes]) => [id, Buffer.from(bytes).toString("hex")]));

  it("makes the changed blocks' chunks exactly as a full pass does, and no others", () => {
    const kept = messages();
    const full = planOf(key, "me", "c1", { messages: kept }, {});
    assert.equal(full.chunks.size, 3);
    const seq = String(BLOCK + 3);
    kept[seq] = text("new in block 1");
    const after = planOf(key, "me", "c1", { messages: kept }, {});
    const changed = planOf(key, "me", "c1", { messages: kept, changed: new Set([seq]) }, {});
    const block1 = chunkIdOf(key, ["me", "c1", "1", "0"]);
    assert.deepEqual([...changed.chunks.keys()], [block1]);
    assert.deepEqual(hashes(changed.chunks), { [block1]: hashes(after.chunks)[block1] });
    assert.deepEqual(changed.stale, []);
    // Nothing changed: nothing laid out at all.
    const none = planOf(key, "me", "c1", { messages: kept, changed: new Set() }, {});
    assert.equal(none.chunks.size, 0);
  });

  it("removes the parts of a changed block past the last one it now makes", () => {
    const kept = messages();
    const held: Record<string, string> = {};
    for (let part = 0; part < 3; part++)
      held[chunkIdOf(key, ["me", "c1", "1", String(part)])] = "x";
    held[chunkIdOf(key, ["me", "c1", "0", "0"])] = "x";
    const plan = planOf(key, "me", "c1", { messages: kept, changed: new Set(["70"]) }, held);
    assert.deepEqual(
      plan.stale.sort(),
      [1, 2].map((part) => chunkIdOf(key, ["me", "c1", "1", String(part)])).sort(),
    );
    // A block emptied (its one message forgotten): every part of it goes.
    const emptied: Record<string, KeptMessage> = { "1": text("only") };
    const gone = planOf(key, "me", "c1", { messages: emptied, changed: new Set(["70"]) }, held);
    assert.equal(gone.chunks.size, 0);
    assert.equal(gone.stale.length, 3);
    // Not knowing what changed: every held chunk that is not made again goes.
    const whole = planOf(key, "me", "c1", { messages: emptied }, held);
    assert.deepEqual(whole.stale.length, 3);
  });
});

/** The chunks calls of the API, on a map: `gone` answers every call as a backup removed. */
function fakeBackup() {
  const chunks = new Map<string, string>();
  const calls: string[] = [];
  let gone = false;
  const refuse = () => {
    if (gone) throw new ApiError(404, "not_found", "no key backup");
  };
  const api = {
    keyBackup: {
      async putChunk(id: string, data: string) {
        refuse();
        calls.push(`put ${id}`);
        chunks.set(id, data);
      },
      async removeChunk(id: string) {
        refuse();
        calls.push(`remove ${id}`);
        chunks.delete(id);
      },
    },
  } as unknown as ApiClient;
  return { api, chunks, calls, remove: () => (gone = true) };
}

/** A store in memory that cannot tell what changed: every block is laid out and compared. */
function memoryStore(
  key: Uint8Array | undefined,
  kept: Record<string, Record<string, KeptMessage>>,
) {
  const progress = new Map<string, BackupProgress<object>>();
  let held = key;
  const store: HistoryBackupStore = {
    withLock: (work) => work(),
    key: async () => held,
    conversations: async () => Object.keys(kept),
    progress: async (id) => structuredClone(progress.get(id) ?? { uploaded: {} }),
    keepProgress: async (id, p) => void progress.set(id, structuredClone(p)),
    kept: async (id) => ({ messages: structuredClone(kept[id] ?? {}) }),
    forget: async () => {
      held = undefined;
      progress.clear();
    },
  };
  return { store, progress, held: () => held };
}

describe("an upload sends what changed since the last one", () => {
  const text = (t: string) => ({ text: t, device_id: "d" });

  it("sends each chunk once, again only when its messages changed, and removes emptied ones", async () => {
    const server = fakeBackup();
    const kept: Record<string, Record<string, KeptMessage>> = {
      c1: { "1": text("one"), [String(BLOCK + 1)]: text("next block") },
      c2: { "3": text("three") },
    };
    const { store } = memoryStore(key, kept);
    assert.deepEqual(await uploadBackup(server.api, store, "me", undefined), {
      uploaded: 3,
      removed: 0,
      leftOut: 0,
    });
    const block0 = chunkIdOf(key, ["me", "c1", "0", "0"]);
    const opened = read(openChunk(key, block0, server.chunks.get(block0) ?? ""));
    assert.deepEqual(opened.messages, { "1": text("one") });
    // Nothing changed: nothing sent.
    server.calls.length = 0;
    assert.equal((await uploadBackup(server.api, store, "me")).uploaded, 0);
    assert.deepEqual(server.calls, []);
    // A message in block 0, another forgotten from block 1: one put, one removal.
    (kept.c1 as Record<string, KeptMessage>)["2"] = text("two");
    delete (kept.c1 as Record<string, KeptMessage>)[String(BLOCK + 1)];
    const result = await uploadBackup(server.api, store, "me", ["c1"]);
    assert.deepEqual([result.uploaded, result.removed], [1, 1]);
    assert.deepEqual(server.calls, [
      `put ${block0}`,
      `remove ${chunkIdOf(key, ["me", "c1", "1", "0"])}`,
    ]);
  });

  it("does nothing without a key, and forgets the key when the backup is gone", async () => {
    const server = fakeBackup();
    const none = memoryStore(undefined, { c1: { "1": text("one") } });
    assert.equal((await uploadBackup(server.api, none.store, "me")).uploaded, 0);
    assert.deepEqual(server.calls, []);

    const here = memoryStore(key, { c1: { "1": text("one") } });
    server.remove();
    await assert.rejects(uploadBackup(server.api, here.store, "me"), BackupGone);
    assert.equal(here.held(), undefined);
    assert.equal(here.progress.size, 0);
  });
});

it("gathers a shared archive's messages by conversation and seq, as a restore does", () => {
  const one = { text: "one", device_id: "d1" };
  const two = { text: "two", device_id: "d2", user_id: "u2" };
  const history = historyOfArchive({
    v: 1,
    conversations: { c1: { "1": one, "7": two, "not a seq": one }, c2: {} },
  });
  assert.deepEqual(
    [...history].map(([id, bySeq]) => [id, [...bySeq]]),
    [
      [
        "c1",
        [
          [1, one],
          [7, two],
        ],
      ],
      ["c2", []],
    ],
  );
});
